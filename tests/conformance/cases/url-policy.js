/**
 * Endpoint safety on every target: the URL policy table (LangGraph's checks, order and exact
 * strings; decimal/hex/octal IPv4, IPv4-mapped IPv6, metadata hosts, wildcard depth and apex,
 * ports, schemes, over-long URLs), resolved-address checks, config-time errors, and header
 * templates with LangGraph's exact errors. Fixtures: url-policy.json, header-templates.json.
 */
import { equal, deepEqual } from '../assert.js';

function collect(list, each) {
  const failures = [];
  for (const c of list) {
    try {
      each(c);
    } catch (e) {
      failures.push(`${c.name}: ${e.message}`);
    }
  }
  if (failures.length) throw new Error(`${failures.length}/${list.length} failed:\n${failures.join('\n')}`);
}

function outcome(fn) {
  try {
    return { ok: fn() };
  } catch (error) {
    return { error };
  }
}

function expectOutcome(result, c, code) {
  if (c.error === null) {
    if (result.error) throw new Error(`expected acceptance, got ${result.error.code}: ${result.error.message}`);
    if (c.normalized !== undefined) equal(result.ok.url, c.normalized, 'normalised url');
    if (c.needs_dns !== undefined) equal(result.ok.needsDns, c.needs_dns, 'needsDns');
    return;
  }
  if (!result.error) throw new Error(`expected "${c.error}", got acceptance of ${JSON.stringify(result.ok)}`);
  equal(result.error.code, code, 'code');
  equal(result.error.message, c.error, 'message');
}

export default {
  topic: 'url-policy',
  fixtures: ['url-policy.json', 'header-templates.json'],
  cases: [
    {
      name: 'URL policy table: LangGraph order and error strings, runwire defaults',
      run(rw, fx) {
        const table = fx['url-policy'];
        collect(table.urls, (c) => expectOutcome(outcome(() => rw.validateWebhookUrl(c.url, c.policy)), c, table.code));
        return { urlCases: table.urls.length };
      },
    },
    {
      name: 'resolved addresses: every one must pass',
      run(rw, fx) {
        const table = fx['url-policy'];
        collect(table.resolved, (c) =>
          expectOutcome(outcome(() => rw.checkWebhookAddresses(c.url, c.addresses, c.policy)), c, table.code),
        );
      },
    },
    {
      name: 'sink creation refuses what validateWebhookUrl refuses, with the same error',
      run(rw, fx) {
        const table = fx['url-policy'];
        const refused = table.urls.filter((c) => c.error !== null);
        const secret = 'whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD';
        collect(refused, (c) =>
          expectOutcome(
            outcome(() => rw.createDelivery({ sinks: [{ url: c.url, secret, urlPolicy: c.policy }], exitDrainMs: false })),
            c,
            table.code,
          ),
        );
        return { refusedAtCreation: refused.length };
      },
    },
    {
      name: 'config-time allowed_domains errors',
      run(rw, fx) {
        const table = fx['url-policy'];
        collect(table.config, (c) =>
          expectOutcome(outcome(() => rw.validateWebhookUrl('https://example.com/', c.policy)), c, table.config_code),
        );
      },
    },
    {
      name: 'classifyIp',
      run(rw) {
        equal(rw.classifyIp('8.8.8.8'), null);
        equal(rw.classifyIp('169.254.169.254', { profile: 'dev' }), 'metadata');
        equal(rw.classifyIp('::ffff:127.0.0.1'), 'loopback');
        equal(rw.classifyIp('::1', { profile: 'dev' }), null);
        equal(rw.classifyIp('10.0.0.1'), 'private');
        equal(rw.classifyIp('fe80::1'), 'link_local');
        equal(rw.classifyIp('224.0.0.1'), 'reserved');
      },
    },
    {
      name: 'query token and redaction',
      run(rw) {
        const url = rw.withQueryToken('https://example.com/hook?a=1', 's3 cr&t');
        equal(url, 'https://example.com/hook?a=1&token=s3+cr%26t');
        equal(rw.redactUrl(url), 'https://example.com/hook?a=***&token=***');
        equal(rw.redactUrl('https://u:pw@example.com/x#frag'), 'https://u:***@example.com/x#***');
      },
    },
    {
      name: 'header templates: LangGraph strings, CR/LF refused',
      run(rw, fx) {
        const table = fx['header-templates'];
        collect(table.cases, (c) => {
          const options = { env: table.env, allowAnyEnv: c.allowAnyEnv };
          if ('envPrefix' in c) options.envPrefix = c.envPrefix;
          const result = outcome(() => rw.resolveHeaderTemplates(c.headers, options));
          if (c.error === undefined) {
            if (result.error) throw new Error(`unexpected ${result.error.message}`);
            deepEqual(result.ok, c.expect);
            return;
          }
          if (!result.error) throw new Error(`expected "${c.error}"`);
          equal(result.error.code, table.code, 'code');
          equal(result.error.message, c.error, 'message');
          for (const value of Object.values(table.env)) {
            if (result.error.message.includes(value)) throw new Error('an env value leaked into the error');
          }
        });
        return { headerCases: table.cases.length };
      },
    },
  ],
};
