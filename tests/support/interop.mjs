/**
 * Third-party verification of what a runwire target signed: npm `standardwebhooks`, `svix`
 * (1.x), `@octokit/webhooks-methods`, `stripe` (the optional Stripe-style scheme), and PyPI
 * `standardwebhooks` (in the venv scripts/setup.sh
 * test creates). Each must accept fresh and rotated signatures and reject tampered bodies, stale
 * or future timestamps and wrong keys — with the libraries' own error texts.
 */
import { join } from 'node:path';
import { homedir } from 'node:os';
import { Webhook as StandardWebhook } from 'standardwebhooks';
import { Webhook as SvixWebhook } from 'svix';
import { verify as octokitVerify, verifyWithFallback } from '@octokit/webhooks-methods';
import Stripe from 'stripe';
import { repoRoot, run } from './paths.mjs';

export const pythonBin = join(process.env.RUNWIRE_CACHE ?? join(homedir(), '.cache', 'runwire'), 'venv-py', 'bin', 'python');

/** What each verifier must say about each message: `true` = accept, a string = reject with that text. */
function standardCases(s) {
  const tampered = s.body.replace('calculator', 'calculat0r');
  return {
    fresh: { secret: s.secret, body: s.body, headers: s.fresh, expect: true },
    'rotation, old secret only': { secret: s.rotation.secrets[1], body: s.body, headers: s.rotation.headers, expect: true },
    'rotation, current secret': { secret: s.rotation.secrets[0], body: s.body, headers: s.rotation.headers, expect: true },
    'tampered body': { secret: s.secret, body: tampered, headers: s.fresh, expect: 'No matching signature found' },
    'stale timestamp': { secret: s.secret, body: s.body, headers: s.stale, expect: 'Message timestamp too old' },
    'future timestamp': { secret: s.secret, body: s.body, headers: s.future, expect: 'Message timestamp too new' },
    'wrong key': { secret: s.wrongSecret, body: s.body, headers: s.fresh, expect: 'No matching signature found' },
  };
}

function jsVerify(Webhook, c) {
  try {
    new Webhook(c.secret).verify(c.body, c.headers);
    return true;
  } catch (error) {
    return error.message;
  }
}

/** @returns {Promise<Array<{ verifier: string, check: string, expected: true | string, actual: true | string }>>} */
export async function checkInterop(sample) {
  const rows = [];
  const cases = standardCases(sample);
  for (const [name, Webhook] of [
    ['npm standardwebhooks', StandardWebhook],
    ['npm svix', SvixWebhook],
  ]) {
    for (const [check, c] of Object.entries(cases)) {
      rows.push({ verifier: name, check, expected: c.expect, actual: jsVerify(Webhook, c) });
    }
  }

  const { stdout } = await run(pythonBin, [join(repoRoot, 'tests/support/verify_standardwebhooks.py')], {
    input: JSON.stringify(Object.fromEntries(Object.entries(cases).map(([k, c]) => [k, { secret: c.secret, body: c.body, headers: c.headers }]))),
  });
  const python = JSON.parse(stdout);
  for (const [check, c] of Object.entries(cases)) {
    const actual = python[check] === 'ok' ? true : python[check].replace(/^rejected: /, '');
    rows.push({ verifier: 'PyPI standardwebhooks', check, expected: c.expect, actual });
  }

  const gh = sample.github;
  const octokit = [
    ['fresh', () => octokitVerify(gh.secret, sample.body, gh.header), true],
    ['fallback secrets', () => verifyWithFallback('rotated-away', sample.body, gh.header, [gh.secret]), true],
    ['tampered body', () => octokitVerify(gh.secret, `${sample.body} `, gh.header), false],
    ['wrong key', () => octokitVerify(`${gh.secret}x`, sample.body, gh.header), false],
  ];
  for (const [check, call, expected] of octokit) {
    rows.push({ verifier: '@octokit/webhooks-methods', check, expected: expected ? true : 'false', actual: (await call()) ? true : 'false' });
  }

  // Stripe's webhook helpers verify offline; the API key is never used for a request here.
  const stripe = new Stripe('sk_test_runwire_offline');
  const st = sample.stripe;
  const stripeVerify = (payload, header) => {
    try {
      stripe.webhooks.constructEvent(payload, header, st.secret);
      return true;
    } catch (error) {
      return error.message.split('.')[0]; // the first sentence; the rest is a docs link
    }
  };
  rows.push({ verifier: 'npm stripe', check: 'fresh', expected: true, actual: stripeVerify(sample.body, st.fresh) });
  rows.push({ verifier: 'npm stripe', check: 'stale timestamp', expected: 'Timestamp outside the tolerance zone', actual: stripeVerify(sample.body, st.stale) });
  rows.push({
    verifier: 'npm stripe',
    check: 'tampered body',
    expected: 'No signatures found matching the expected signature for payload',
    actual: stripeVerify(`${sample.body} `, st.fresh),
  });
  return rows;
}
