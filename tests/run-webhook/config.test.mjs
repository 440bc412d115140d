/**
 * `langgraph.json` webhook configuration, read as LangGraph reads it, on both builds: every
 * `webhooks` option (`env_prefix`, `url.*`, `headers`, `allowed_fields`) and
 * `http.disable_webhooks`, each template and config error with LangGraph's message, the file
 * and the inline object giving the same result, and the settings taking effect on real sends.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assertLangGraphPayload, startLangGraphReceiver } from '../support/langgraph-payload.mjs';

const SECRET = 'whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD';
const VALID = "['assistant_id', 'created_at', 'error', 'kwargs', 'metadata', 'multitask_strategy', 'run_ended_at', "
  + "'run_id', 'run_started_at', 'status', 'thread_id', 'updated_at', 'values', 'webhook_sent_at']";

const FULL = {
  dependencies: ['.'],
  graphs: { agent: './agent.ts:graph' },
  webhooks: {
    env_prefix: 'MY_HOOK_',
    url: {
      allowed_domains: ['hooks.example.com', '*.corp.example'],
      require_https: true,
      allowed_ports: [443, 8443],
      max_url_length: 80,
      disable_loopback: true,
      disable_private_ips: true,
    },
    headers: { Authorization: 'Bearer ${{ env.MY_HOOK_TOKEN }}', 'X-Tenant': 't-${{env.MY_HOOK_TENANT}}-eu', 'X-Static': 'v1' },
    allowed_fields: ['run_id', 'status', 'values'],
  },
  http: { disable_webhooks: false, cors: { allow_origins: ['*'] } },
};
const ENV = { MY_HOOK_TOKEN: 'tok-123', MY_HOOK_TENANT: 'acme', HOME: '/root' };

function fails(fn, code, message) {
  assert.throws(fn, (error) => {
    assert.equal(error.code, code);
    assert.equal(error.message, message);
    return true;
  });
}

for (const entry of ['runwire', 'runwire/web']) {
  test(`every webhooks option is read (${entry})`, async () => {
    const rw = await import(entry);
    const settings = rw.readLangGraphWebhooks(FULL, { env: ENV });
    assert.deepEqual(settings, {
      urlPolicy: { profile: 'langgraph', ...FULL.webhooks.url },
      headers: { Authorization: 'Bearer tok-123', 'X-Tenant': 't-acme-eu', 'X-Static': 'v1' },
      allowedFields: ['run_id', 'status', 'values'],
      disableWebhooks: false,
    });
    const check = (url) => {
      try {
        return rw.validateWebhookUrl(url, settings.urlPolicy).url;
      } catch (error) {
        return error.message;
      }
    };
    assert.equal(check('https://hooks.example.com/run'), 'https://hooks.example.com/run');
    assert.equal(check('https://a.b.corp.example:8443/x'), 'https://a.b.corp.example:8443/x');
    assert.equal(check('http://hooks.example.com/run'), 'Webhook must use https');
    assert.equal(check('https://hooks.example.com:9000/run'), 'Webhook port 9000 not allowed');
    assert.equal(check('https://corp.example/'), 'Webhook domain not allowed');
    assert.equal(check('https://evil.example.net/'), 'Webhook domain not allowed');
    assert.equal(check(`https://hooks.example.com/${'x'.repeat(80)}`), 'Webhook URL too long');
    assert.equal(check('/internal/hook').startsWith('Loopback webhooks (relative URLs and localhost) are disabled by default.'), true);
  });

  test(`the file and the inline object read the same; no webhooks section is the langgraph profile (${entry})`, async () => {
    const rw = await import(entry);
    const dir = mkdtempSync(join(tmpdir(), 'runwire-langgraph-'));
    writeFileSync(join(dir, 'langgraph.json'), JSON.stringify(FULL, null, 2));
    const text = readFileSync(join(dir, 'langgraph.json'), 'utf8');
    assert.deepEqual(rw.readLangGraphWebhooks(text, { env: ENV }), rw.readLangGraphWebhooks(JSON.parse(text), { env: ENV }));
    assert.deepEqual(rw.readLangGraphWebhooks({ graphs: {} }), { urlPolicy: { profile: 'langgraph' }, disableWebhooks: false });
    assert.deepEqual(rw.readLangGraphWebhooks({ http: { disable_webhooks: true } }).disableWebhooks, true);
    // LangGraph reads env_prefix only when there are headers.
    assert.deepEqual(rw.readLangGraphWebhooks({ webhooks: { env_prefix: null, headers: {} } }).headers, undefined);
    assert.throws(() => rw.readLangGraphWebhooks('{not json'), { code: 'ERR_RUNWIRE_LANGGRAPH_CONFIG', message: /^langgraph\.json is not JSON: / });
  });

  test(`header template errors are LangGraph's, at start-up (${entry})`, async () => {
    const rw = await import(entry);
    const read = (webhooks) => () => rw.readLangGraphWebhooks({ webhooks }, { env: ENV });
    const T = 'ERR_RUNWIRE_HEADER_TEMPLATE';
    fails(read({ headers: { A: '${{ env.LG_WEBHOOK_MISSING }}' } }), T, "webhook headers: missing required environment variable 'LG_WEBHOOK_MISSING'");
    fails(read({ headers: { A: '${{ env.HOME }}' } }), T, "webhook headers: environment variable name 'HOME' must start with the configured env_prefix 'LG_WEBHOOK_'");
    fails(read({ env_prefix: 'MY_HOOK_', headers: { A: '${{ env.HOME }}' } }), T, "webhook headers: environment variable name 'HOME' must start with the configured env_prefix 'MY_HOOK_'");
    fails(read({ headers: { A: '${{ secrets.TOKEN }}' } }), T, 'webhook headers: only env.VAR references are allowed (e.g. {{ env.LG_WEBHOOK_FOO_BAR }})');
    fails(read({ env_prefix: 'MY_HOOK_', headers: { A: '${{ secrets.TOKEN }}' } }), T, 'webhook headers: only env.VAR references are allowed (e.g. {{ env.MY_HOOK_FOO_BAR }})');
    fails(read({ headers: { A: '${{ env.LG_WEBHOOK_A.B }}' } }), T, "webhook headers: invalid env reference 'LG_WEBHOOK_A.B'. Use env.VAR with no dots (e.g. {{ env.LG_WEBHOOK_FOO_BAR }})");
    fails(read({ env_prefix: null, headers: { A: 'x' } }), T, 'webhook headers: Invalid null env_prefix');
    fails(read({ headers: { A: 5 } }), T, 'Webhook header values must be strings. Got: 5');
    // runwire's deviation: an empty prefix (any variable) needs an explicit opt-in.
    fails(read({ env_prefix: '', headers: { A: '${{ env.HOME }}' } }), T, 'webhook headers: an empty env_prefix allows any environment variable; set allow_any_env to opt in');
    assert.deepEqual(rw.readLangGraphWebhooks({ webhooks: { env_prefix: '', headers: { A: '${{ env.HOME }}' } } }, { env: ENV, allowAnyEnv: true }).headers, { A: '/root' });
    // A missing variable also fails createRunWebhookHandler at start-up, before any run.
    assert.throws(() => rw.createRunWebhookHandler({
      url: 'https://hooks.example.com/', secret: SECRET, env: {},
      langgraph: { webhooks: { headers: { Authorization: 'Bearer ${{ env.LG_WEBHOOK_TOKEN }}' } } },
    }), { code: T, message: "webhook headers: missing required environment variable 'LG_WEBHOOK_TOKEN'" });
  });

  test(`url policy, allowed_fields and shape errors are LangGraph's (${entry})`, async () => {
    const rw = await import(entry);
    const read = (config) => () => rw.readLangGraphWebhooks(config, { env: ENV });
    const P = 'ERR_RUNWIRE_URL_POLICY_CONFIG';
    const C = 'ERR_RUNWIRE_LANGGRAPH_CONFIG';
    fails(read({ webhooks: { url: { allowed_domains: [''] } } }), P, "webhooks.url.allowed_domains must be a list of non-empty strings. Got: ['']");
    fails(read({ webhooks: { url: { allowed_domains: ['foo.*.com'] } } }), P, "webhooks.url.allowed_domains wildcard can only be used as a prefix, in the form '*.domain'. Got: ['foo.*.com']");
    fails(read({ webhooks: { allowed_fields: ['run_id', 'secret'] } }), C, `webhooks.allowed_fields contains invalid field 'secret'. Valid fields are: ${VALID}`);
    fails(read({ webhooks: { allowed_fields: 'run_id' } }), C, 'webhooks.allowed_fields must be a list of strings. Got: str');
    fails(read({ webhooks: { allowed_fields: [1] } }), C, 'webhooks.allowed_fields must contain only strings. Got: int');
    fails(read({ webhooks: { secret: 'x' } }), C, 'webhooks.secret is not a webhooks option (expected env_prefix, url, headers, allowed_fields)');
    fails(read({ webhooks: { url: { follow_redirects: true } } }), C, 'webhooks.url.follow_redirects is not a url policy option (expected allowed_domains, require_https, allowed_ports, max_url_length, disable_loopback, disable_private_ips)');
    fails(read({ http: { disable_webhooks: 'yes' } }), C, 'http.disable_webhooks must be a boolean');
    fails(read([]), C, 'langgraph config must be an object (the parsed langgraph.json)');
    // The policy is applied when the handler starts: LangGraph answers 422, runwire throws.
    assert.throws(() => rw.createRunWebhookHandler({ url: 'http://hooks.example.com/', secret: SECRET, langgraph: {} }), {
      code: 'ERR_RUNWIRE_URL_POLICY', message: 'Webhook must use https',
    });
  });

  test(`http.disable_webhooks: the run executes, nothing is sent, LangGraph's log line once (${entry})`, async () => {
    const rw = await import(entry);
    const receiver = await startLangGraphReceiver(SECRET);
    const logged = [];
    const info = console.info;
    console.info = (...args) => logged.push(args.join(' '));
    try {
      const hook = rw.createRunWebhookHandler({
        url: receiver.url(), secret: SECRET, urlPolicy: { profile: 'dev' }, langgraph: { http: { disable_webhooks: true } },
      });
      const ran = [];
      for (const x of [1, 2]) await rw.invokeRun(async (n) => ran.push(n), x, { callbacks: [hook] });
      const stats = await hook.delivery.drain(2_000);
      assert.deepEqual(ran, [1, 2]);
      assert.deepEqual([stats.accepted, stats.filtered, stats.delivered], [2, 2, 0]);
      assert.equal(receiver.received.length, 0);
      assert.deepEqual(logged, ['Webhooks disabled, skipping webhook call']);
      await hook.delivery.close(100);
    } finally {
      console.info = info;
      await receiver.close();
    }
  });

  test(`headers and allowed_fields from langgraph.json take effect on the wire (${entry})`, async () => {
    const rw = await import(entry);
    const receiver = await startLangGraphReceiver(SECRET);
    try {
      const hook = rw.createRunWebhookHandler({
        url: receiver.url(), secret: SECRET, urlPolicy: { profile: 'dev' }, env: ENV,
        langgraph: { webhooks: { env_prefix: 'MY_HOOK_', headers: FULL.webhooks.headers, allowed_fields: ['values', 'run_id', 'status'] } },
      });
      await rw.invokeRun(async () => ({ ok: true }), null, { callbacks: [hook] });
      await hook.delivery.drain(5_000);
      assert.equal(receiver.received.length, 1);
      const { headers, body } = receiver.received[0];
      assert.equal(headers.authorization, 'Bearer tok-123');
      assert.equal(headers['x-tenant'], 't-acme-eu');
      assert.equal(headers['content-type'], 'application/json');
      assert.deepEqual(Object.keys(JSON.parse(body)), ['run_id', 'status', 'values'], 'only the allowed fields, in LangGraph order');
      assert.deepEqual(JSON.parse(body).values, { ok: true });
      await hook.delivery.close(100);
    } finally {
      await receiver.close();
    }
  });

  test(`the same settings as a plain object, without langgraph.json (${entry})`, async () => {
    const rw = await import(entry);
    const receiver = await startLangGraphReceiver(SECRET);
    try {
      const hook = rw.createRunWebhookHandler({
        url: receiver.url(), secret: SECRET, urlPolicy: { profile: 'dev' },
        headers: { Authorization: 'Bearer ${{ env.LG_WEBHOOK_TOKEN }}' }, env: { LG_WEBHOOK_TOKEN: 'plain' },
      });
      await rw.invokeRun(async () => 1, null, { callbacks: [hook] });
      await hook.delivery.drain(5_000);
      assert.equal(receiver.received[0].headers.authorization, 'Bearer plain');
      assertLangGraphPayload(receiver.received[0].body, { status: 'success' });
      await hook.delivery.close(100);
    } finally {
      await receiver.close();
    }
  });
}
