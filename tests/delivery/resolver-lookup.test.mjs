/**
 * The addon's connect-time SSRF path (crates/node/src/ssrf.rs, VettedResolver) driven through
 * the public `lookup` option, without DNS: the names below exist nowhere (`*.lookup.test`), so
 * every address comes from the test's lookup. Each case checks the lookup was asked, what the
 * vetting decided, and what reached the loopback receiver:
 * - loopback answers are refused by default and delivered to when the policy allows loopback —
 *   so the connection goes to the address the lookup gave;
 * - private, IPv4-mapped private, metadata (also mixed with a public address) are refused with
 *   the profile's words (safe vs langgraph), no retry, dead letter `url_policy`;
 * - an answer the policy allows (allowlisted name, loopback allowed) is connected to;
 * - (no test connects to a public address: tests talk to loopback only; that a public answer
 *   passes the vetting is covered by the core's address-classification tables);
 * - a lookup that rejects or answers garbage is a failed lookup, reported to `hooks.onError`;
 * - the web build refuses the option (fetch resolves names itself).
 * Every server is closed in `finally`; every engine is closed with a bounded drain.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import * as rw from 'runwire';

const SECRET = rw.generateSecret();

async function receiver() {
  const requests = [];
  const s = createServer((req, res) => {
    requests.push(req.headers.host);
    req.resume();
    req.on('end', () => res.end('ok'));
  });
  await new Promise((resolve) => s.listen(0, '127.0.0.1', resolve));
  return { requests, port: s.address().port, close: () => new Promise((r) => s.close(r)) };
}

async function deliver({ url, policy, answer, timeoutMs = 2000 }) {
  const dead = [];
  const errors = [];
  const asked = [];
  const delivery = rw.createDelivery({
    sinks: [{ url, secret: SECRET, events: ['on_custom_event'], retryDelaysMs: [], jitter: false, timeoutMs, urlPolicy: policy }],
    dlq: (record) => dead.push(record),
    hooks: { onError: (error) => errors.push(error) },
    lookup: async (hostname) => {
      asked.push(hostname);
      return answer(hostname);
    },
    exitDrainMs: false,
  });
  delivery.send('on_custom_event', 'run-lookup', { n: 1 });
  const stats = await delivery.close(5000);
  return { dead, errors, asked, stats };
}

const LOOPBACK_ALLOWED = { profile: 'dev' };
const HTTP_SAFE = { require_https: false, allowed_ports: [] };
const HTTP_LANGGRAPH = { profile: 'langgraph', require_https: false };

test('lookup answers are what the connection uses: loopback delivered only when the policy allows it', async () => {
  const r = await receiver();
  try {
    const url = `http://Hook.Lookup.Test.:${r.port}/h`;
    const open = await deliver({ url, policy: LOOPBACK_ALLOWED, answer: () => ['127.0.0.1'] });
    assert.deepEqual(open.asked, ['hook.lookup.test']);
    assert.equal(open.stats.delivered, 1);
    assert.deepEqual(r.requests, [`hook.lookup.test.:${r.port}`], 'the Host header keeps the name as written');

    const strict = await deliver({ url, policy: { ...LOOPBACK_ALLOWED, disable_loopback: true }, answer: () => ['127.0.0.1'] });
    assert.equal(strict.asked.length, 1);
    assert.equal(strict.dead.length, 1);
    assert.equal(strict.dead[0].reason, 'url_policy');
    assert.equal(strict.dead[0].attempts.length, 1, 'a policy block is not retried');
    assert.match(strict.dead[0].attempts[0].error, /Webhook host blocked: blocked IP range/);

    const lg = await deliver({ url, policy: HTTP_LANGGRAPH, answer: () => ['::1'] });
    assert.match(lg.dead[0].attempts[0].error, /Webhook host blocked: blocked IP range/, "LangGraph blocks ::1 always");
    assert.equal(r.requests.length, 1, 'nothing but the allowed delivery reached the receiver');
  } finally {
    await r.close();
  }
});

test('private, IPv4-mapped, metadata and mixed answers are refused at connect time, in the profile\'s words', async () => {
  const url = 'http://hook.lookup.test/h';
  const cases = [
    [HTTP_SAFE, ['10.0.0.7'], 'Webhook host blocked: blocked IP range'],
    [HTTP_SAFE, ['::ffff:192.168.1.1'], 'Webhook host blocked: blocked IP range'],
    [HTTP_SAFE, ['169.254.169.254'], 'Webhook host blocked: cloud metadata endpoint'],
    [HTTP_SAFE, ['93.184.216.34', 'fd00:ec2::254'], 'Webhook host blocked: cloud metadata endpoint'],
    [HTTP_SAFE, ['127.0.0.1'], 'Webhook host blocked: blocked IP range'],
    [HTTP_LANGGRAPH, ['127.0.0.1'], 'Webhook host blocked: loopback IP range'],
    [HTTP_LANGGRAPH, ['::ffff:10.0.0.1'], 'Webhook host blocked: blocked IP range'],
    [HTTP_LANGGRAPH, ['169.254.169.254'], 'Webhook host blocked: blocked IP range'],
    [{ ...HTTP_LANGGRAPH, disable_private_ips: true }, ['10.1.2.3'], 'Webhook host blocked: private IP range'],
    [HTTP_SAFE, [], 'Webhook host blocked: DNS resolution failed'],
  ];
  for (const [policy, addresses, message] of cases) {
    const out = await deliver({ url, policy, answer: () => addresses });
    const label = `${JSON.stringify(policy)} ${addresses.join(',')}`;
    assert.deepEqual(out.asked, ['hook.lookup.test'], label);
    assert.equal(out.stats.delivered, 0, label);
    assert.equal(out.dead.length, 1, label);
    assert.equal(out.dead[0].reason, 'url_policy', label);
    assert.equal(out.dead[0].attempts[0].error.includes(message), true, `${label}: ${out.dead[0].attempts[0].error}`);
  }
});

test('an answer the policy allows is connected to: allowlisted name, langgraph profile with loopback on', async () => {
  const r = await receiver();
  try {
    const url = `http://hook.lookup.test:${r.port}/h`;
    const policies = [
      { ...HTTP_SAFE, allowed_domains: ['*.lookup.test'] }, // the allowlist overrides the loopback block
      { ...HTTP_LANGGRAPH, disable_loopback: false },
    ];
    for (const policy of policies) {
      const out = await deliver({ url, policy, answer: () => ['127.0.0.1'] });
      assert.equal(out.asked.length, 1);
      assert.equal(out.stats.delivered, 1, JSON.stringify(out.dead));
    }
    assert.equal(r.requests.length, 2);
    // ...but never to metadata, allowlist or not.
    const meta = await deliver({ url, policy: policies[0], answer: () => ['169.254.169.254'] });
    assert.match(meta.dead[0].attempts[0].error, /cloud metadata endpoint/);
  } finally {
    await r.close();
  }
});

test('a lookup that rejects or answers garbage fails the lookup and reports why', async () => {
  const answers = [
    () => Promise.reject(new Error('mesh registry unavailable')),
    () => ['not-an-ip'],
    () => '10.0.0.1',
  ];
  for (const answer of answers) {
    const out = await deliver({ url: 'http://hook.lookup.test/h', policy: HTTP_SAFE, answer });
    assert.equal(out.dead.length, 1);
    assert.equal(out.dead[0].reason, 'url_policy');
    assert.match(out.dead[0].attempts[0].error, /Webhook host blocked: DNS resolution failed/);
  }
  const rejected = await deliver({ url: 'http://hook.lookup.test/h', policy: HTTP_SAFE, answer: () => Promise.reject(new Error('boom')) });
  assert.deepEqual(rejected.errors.map((e) => e.message), ['boom']);
  const notArray = await deliver({ url: 'http://hook.lookup.test/h', policy: HTTP_SAFE, answer: () => '10.0.0.1' });
  assert.match(notArray.errors[0].message, /must resolve to an array of IP address strings/);
});

test('bad lookup options are refused at creation; the web build refuses the option', async () => {
  const sinks = [{ url: 'https://hook.lookup.test/h', secret: SECRET }];
  assert.throws(() => rw.createDelivery({ sinks, lookup: 'dns', exitDrainMs: false }), { code: 'ERR_RUNWIRE_INVALID_ARGUMENT' });
  const web = await import('runwire/web');
  assert.throws(() => web.createDelivery({ sinks, lookup: async () => [], exitDrainMs: false }), {
    code: 'ERR_RUNWIRE_INVALID_ARGUMENT',
    message: /needs the Node addon/,
  });
});
