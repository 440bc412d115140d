/**
 * Signing and verification: every vector in tests/fixtures/signatures.json reproduced byte for
 * byte, rotation, verification semantics, and fresh signatures handed to the Node-side harness
 * for the third-party verifiers (npm standardwebhooks, svix, @octokit/webhooks-methods, stripe,
 * PyPI standardwebhooks).
 */
import { deepEqual, equal, ok } from '../assert.js';

const utf8 = (text) => new TextEncoder().encode(text);

export default {
  topic: 'signing',
  fixtures: ['signatures.json'],
  cases: [
    {
      name: 'Standard Webhooks upstream vector',
      run(rw, { signatures: { upstream_standard_webhooks: v } }) {
        const headers = rw.signWebhook(v.body, { id: v.id, timestamp: v.timestamp, secrets: v.secret });
        equal(headers['webhook-signature'], v.signature);
        deepEqual(Object.keys(headers), ['webhook-id', 'webhook-timestamp', 'webhook-signature']);
      },
    },
    {
      name: 'vector A: agent event with non-ASCII body, exact headers',
      run(rw, { signatures: { standard_webhooks: v } }) {
        deepEqual(rw.signWebhook(v.body, { id: v.id, timestamp: v.timestamp, secrets: [v.secret] }), v.headers);
      },
    },
    {
      name: 'vector A: Uint8Array body signs like the string',
      run(rw, { signatures: { standard_webhooks: v } }) {
        const headers = rw.signWebhook(utf8(v.body), { id: v.id, timestamp: v.timestamp, secrets: v.secret });
        equal(headers['webhook-signature'], v.headers['webhook-signature']);
      },
    },
    {
      name: 'vector A: rotation header (current, then old)',
      run(rw, { signatures: { standard_webhooks: v } }) {
        const headers = rw.signWebhook(v.body, { id: v.id, timestamp: v.timestamp, secrets: [v.secret, v.old_secret] });
        equal(headers['webhook-signature'], v.rotation_header);
      },
    },
    {
      name: 'verify: rotation header accepted by a receiver holding only the old secret',
      run(rw, { signatures: { standard_webhooks: v } }) {
        const headers = { ...v.headers, 'webhook-signature': v.rotation_header };
        const verified = rw.verifyWebhook(v.body, headers, v.old_secret, { now: v.timestamp * 1000 });
        deepEqual(verified, { scheme: 'standard', id: v.id, timestamp: v.timestamp });
      },
    },
    {
      name: 'verify: tolerance is inclusive at ±300 s and configurable',
      run(rw, { signatures: { standard_webhooks: v } }) {
        for (const skew of [-300, 0, 300]) {
          rw.verifyWebhook(v.body, v.headers, v.secret, { now: (v.timestamp + skew) * 1000 });
        }
        rw.verifyWebhook(v.body, v.headers, v.secret, { now: (v.timestamp + 3600) * 1000, toleranceSec: 3600 });
      },
    },
    {
      name: 'verify: header names in any case, fetch Headers, Title-Case objects',
      run(rw, { signatures: { standard_webhooks: v } }) {
        const now = v.timestamp * 1000;
        const title = {
          'Webhook-Id': v.headers['webhook-id'],
          'Webhook-Timestamp': v.headers['webhook-timestamp'],
          'Webhook-Signature': v.headers['webhook-signature'],
        };
        equal(rw.verifyWebhook(v.body, title, v.secret, { now }).scheme, 'standard');
        equal(rw.verifyWebhook(v.body, new Headers(v.headers), v.secret, { now, scheme: 'standard' }).id, v.id);
      },
    },
    {
      name: 'GitHub docs vector (X-Hub-Signature-256 header name)',
      run(rw, { signatures: { github_docs_vector: v } }) {
        deepEqual(rw.signGithubWebhook(v.body, v.secret, { header: v.header }), { [v.header]: v.signature });
        const verified = rw.verifyWebhook(v.body, { [v.header]: v.signature }, v.secret, { githubHeader: v.header });
        deepEqual(verified, { scheme: 'github', id: null, timestamp: null });
      },
    },
    {
      name: 'seed vector B: X-Signature-256 by default, verified with fallback secrets',
      run(rw, { signatures: { seed_design: v } }) {
        deepEqual(rw.signGithubWebhook(v.body, v.secret), { 'X-Signature-256': v.signature });
        const headers = { 'x-signature-256': v.signature, 'idempotency-key': v.idempotency_key };
        const verified = rw.verifyWebhook(v.body, headers, ['new-secret', v.secret], { scheme: 'github' });
        deepEqual(verified, { scheme: 'github', id: v.idempotency_key, timestamp: null });
      },
    },
    {
      name: 'vector C: Stripe-style t=,v1= keyed by the literal whsec_ string',
      run(rw, { signatures: { stripe: v } }) {
        deepEqual(rw.signStripeWebhook(v.body, v.secret, { timestamp: v.timestamp }), { 'Stripe-Signature': v.header });
        const verified = rw.verifyWebhook(v.body, { 'stripe-signature': v.header }, v.secret, { now: v.timestamp * 1000 });
        deepEqual(verified, { scheme: 'stripe', id: null, timestamp: v.timestamp });
      },
    },
    {
      name: 'vector D and Convoy simple: same HMAC as GitHub-style, other framing (recognised, never emitted)',
      run(rw, { signatures: { outpost_default: outpost, convoy } }) {
        const outpostHex = rw.signGithubWebhook(outpost.body, outpost.secret)['X-Signature-256'].slice('sha256='.length);
        equal(`v0=${outpostHex}`, outpost.signature);
        const convoyBody = '{"event":"charge.success","amount":1000,"currency":"NGN"}';
        const convoyHex = rw.signGithubWebhook(convoyBody, 'convoy-webhook-secret')['X-Signature-256'].slice('sha256='.length);
        equal(convoyHex, convoy.simple_hex);
      },
    },
    {
      name: 'Convoy advanced (comma join) differs from Stripe-style (dot join)',
      run(rw, { signatures: { convoy } }) {
        const body = '{"event":"charge.success","amount":1000,"currency":"NGN"}';
        const header = rw.signStripeWebhook(body, 'convoy-webhook-secret', { timestamp: 1700000000 })['Stripe-Signature'];
        equal(header, convoy.advanced_with_dot_would_be);
        ok(header !== convoy.advanced, 'runwire never emits the comma-joined Convoy form');
      },
    },
    {
      name: 'canonical JSON reproduces vector A bytes from any key order',
      run(rw, { signatures: { standard_webhooks: v } }) {
        const parsed = JSON.parse(v.body);
        const shuffled = { type: parsed.type, data: Object.fromEntries(Object.entries(parsed.data).reverse()), timestamp: parsed.timestamp };
        equal(rw.canonicalJson(shuffled), v.body);
        equal(utf8(rw.canonicalJson(shuffled)).length, 206);
      },
    },
    {
      name: 'canonical JSON: numbers as JSON.stringify, nested arrays, no HTML escaping',
      run(rw) {
        equal(rw.canonicalJson({ z: [1.0, -0, 1e21, 0.5], a: { y: null, b: '<&>' } }), '{"a":{"b":"<&>","y":null},"z":[1,0,1e+21,0.5]}');
      },
    },
    {
      name: 'generateSecret: whsec_ + 32 random bytes that sign and verify',
      run(rw) {
        const a = rw.generateSecret();
        const b = rw.generateSecret();
        ok(/^whsec_[A-Za-z0-9+/]{43}=$/.test(a), `unexpected secret shape ${a.length} chars`);
        ok(a !== b, 'two secrets differ');
        const headers = rw.signWebhook('{}', { id: 'msg_1', secrets: a });
        equal(rw.verifyWebhook('{}', headers, [b, a]).scheme, 'standard');
      },
    },
    {
      name: 'fresh signatures for third-party verifiers',
      run(rw, { signatures: { standard_webhooks: v, seed_design: seed } }) {
        const now = Math.floor(Date.now() / 1000);
        const secret = rw.generateSecret();
        const wrong = rw.generateSecret();
        return {
          interop: {
            body: v.body,
            secret,
            wrongSecret: wrong,
            rotation: { secrets: [v.secret, v.old_secret], headers: rw.signWebhook(v.body, { id: v.id, timestamp: now, secrets: [v.secret, v.old_secret] }) },
            fresh: rw.signWebhook(v.body, { id: v.id, timestamp: now, secrets: secret }),
            stale: rw.signWebhook(v.body, { id: v.id, timestamp: now - 400, secrets: secret }),
            future: rw.signWebhook(v.body, { id: v.id, timestamp: now + 400, secrets: secret }),
            github: { secret: seed.secret, header: rw.signGithubWebhook(v.body, seed.secret)['X-Signature-256'] },
            stripe: {
              secret: 'whsec_test_interop_vector_secret',
              fresh: rw.signStripeWebhook(v.body, 'whsec_test_interop_vector_secret')['Stripe-Signature'],
              stale: rw.signStripeWebhook(v.body, 'whsec_test_interop_vector_secret', { timestamp: now - 400 })['Stripe-Signature'],
            },
          },
        };
      },
    },
  ],
};
