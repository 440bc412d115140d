/**
 * `runwire listen`: a local receiver for development, like `stripe listen`. It verifies every
 * delivery against the given secret(s) with whichever scheme the sender used (Standard Webhooks,
 * Stripe-style, GitHub-style), dedupes on the webhook id, prints each delivery (type, id, run,
 * a JSON preview, the verdict) and optionally forwards it — body and signature headers unchanged,
 * so the app verifies it too — to a local URL, answering the sender with the app's status.
 */
import { createServer } from 'node:http';
import { parseOptions, readSecret, CliError, UsageError } from './options.js';
import { preview, timeOf } from './ui.js';

export const spec = {
  summary: 'receive, verify, dedupe and print webhooks locally (optionally forward them)',
  usage: 'runwire listen [options]',
  options: {
    port: { type: 'integer', short: 'p', default: 4242, max: 65535, description: 'port to listen on (0: any free port)' },
    host: { type: 'string', arg: 'address', default: '127.0.0.1', description: 'address to bind' },
    'secret-file': { type: 'string', arg: 'path', description: 'file holding the signing secret (else $RUNWIRE_SECRET)' },
    secret: { secret: true, env: 'RUNWIRE_SECRET' },
    'github-secret-file': { type: 'string', arg: 'path', description: 'file with a GitHub-style raw secret (else $RUNWIRE_GITHUB_SECRET)' },
    'github-secret': { secret: true, env: 'RUNWIRE_GITHUB_SECRET' },
    scheme: { type: 'choice', choices: ['auto', 'standard', 'github', 'stripe'], default: 'auto', description: 'accept only this scheme' },
    tolerance: { type: 'integer', default: 300, max: 86_400, description: 'timestamp tolerance in seconds' },
    'forward-to': { type: 'string', arg: 'url', description: 'forward verified deliveries to this URL (loopback only unless --allow-remote-forward)' },
    'allow-remote-forward': { type: 'boolean', default: false, description: 'allow --forward-to a non-loopback URL' },
    json: { type: 'boolean', default: false, description: 'print one JSON object per delivery' },
    'max-events': { type: 'integer', min: 1, description: 'exit after this many new verified deliveries (forwarded ones: once the app accepted them)' },
  },
};

const LOOPBACK = /^(localhost|127(?:\.\d{1,3}){3}|\[::1\])$/i;

function forwardTarget(url, allowRemote) {
  if (url === undefined) return undefined;
  let parsed;
  try {
    parsed = new URL(url);
  } catch {
    throw new UsageError(`--forward-to must be a URL, got ${JSON.stringify(url)}`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new UsageError('--forward-to must be an http(s) URL');
  if (!allowRemote && !LOOPBACK.test(parsed.hostname)) {
    throw new UsageError(`--forward-to ${parsed.hostname} is not a loopback address; pass --allow-remote-forward to forward elsewhere`);
  }
  return parsed.href;
}

const FORWARDED_HEADERS = [
  'content-type', 'webhook-id', 'webhook-timestamp', 'webhook-signature', 'idempotency-key', 'stripe-signature',
];

/** Summarises a verified body: one line per event (a batch body carries several). */
function describe(payload) {
  const events = Array.isArray(payload?.events) ? payload.events : [payload];
  return events.map((event) => {
    const data = event?.data ?? {};
    return {
      type: event?.type ?? null,
      id: event?.id ?? null,
      run_id: data.run_id ?? null,
      name: data.name ?? null,
      data: data.data ?? data.output ?? data,
    };
  });
}

export async function run(argv, { env, ui, runwire, signal }) {
  const { help, values, config } = await parseOptions(spec, argv, env);
  if (help) return 'help';
  const secret = readSecret({ name: 'secret', env, envVar: 'RUNWIRE_SECRET', file: values['secret-file'], config, required: true });
  const githubSecret = readSecret({
    name: 'github-secret', env, envVar: 'RUNWIRE_GITHUB_SECRET', file: values['github-secret-file'], config,
  });
  const verifyOptions = { scheme: values.scheme, toleranceSec: values.tolerance };
  // A GitHub-style secret is a raw string, not a whsec_ key: verified on its own, after the main one.
  const verify = (body, headers) => {
    try {
      return runwire.verifyWebhook(body, headers, [secret], verifyOptions);
    } catch (error) {
      if (githubSecret === undefined || !(values.scheme === 'auto' || values.scheme === 'github')) throw error;
      try {
        return runwire.verifyWebhook(body, headers, [githubSecret], { ...verifyOptions, scheme: 'github' });
      } catch {
        throw error;
      }
    }
  };
  // A Standard Webhooks secret that cannot sign is a typo: say so now, not 401 to everything.
  if (/^whsec_/.test(secret) || values.scheme === 'standard') {
    try {
      runwire.signWebhook('{}', { id: 'probe', secrets: [secret], timestamp: 0 });
    } catch (error) {
      throw new UsageError(`$RUNWIRE_SECRET / --secret-file is not a valid Standard Webhooks secret (${error.code}: ${error.message})`);
    }
  }
  const forwardTo = forwardTarget(values['forward-to'], values['allow-remote-forward']);
  const dedupe = runwire.createMemoryDedupeStore();
  const counts = { received: 0, verified: 0, rejected: 0, duplicates: 0, forwarded: 0 };
  const maxEvents = values['max-events'];

  const print = (entry) => {
    if (values.json) {
      ui.out(JSON.stringify(entry));
      return;
    }
    const when = ui.dim(timeOf(entry.at));
    if (!entry.verified) {
      ui.out(`${when} ${ui.red('✘ rejected')}  ${entry.error}${entry.id ? `  id ${entry.id}` : ''}`);
      return;
    }
    const mark = entry.duplicate ? ui.yellow('↺ duplicate') : ui.green(`✔ ${entry.scheme}`);
    for (const event of entry.events) {
      const what = [event.type, event.name].filter(Boolean).join(' ');
      const forwarded = entry.forwarded === undefined ? '' : `  → ${entry.forwarded}`;
      ui.out(`${when} ${mark}  ${ui.bold(what)}  id ${event.id ?? entry.id}  run ${event.run_id ?? '-'}  ${preview(JSON.stringify(event.data) ?? '')}${forwarded}`);
    }
  };

  let resolveDone;
  const done = new Promise((resolve) => {
    resolveDone = resolve;
  });

  const server = createServer((req, res) => {
    const chunks = [];
    let size = 0;
    req.on('data', (chunk) => {
      size += chunk.length;
      if (size <= 1024 * 1024) chunks.push(chunk);
    });
    req.on('end', async () => {
      counts.received += 1;
      const at = Date.now();
      const body = Buffer.concat(chunks);
      if (size > 1024 * 1024) {
        counts.rejected += 1;
        print({ at, verified: false, error: 'body over 1 MiB', id: req.headers['webhook-id'] ?? null });
        res.writeHead(413).end();
        return;
      }
      let verified;
      try {
        verified = verify(body, req.headers);
      } catch (error) {
        counts.rejected += 1;
        print({ at, verified: false, error: `${error.code}: ${error.message}`, id: req.headers['webhook-id'] ?? req.headers['idempotency-key'] ?? null });
        res.writeHead(401, { 'content-type': 'application/json' }).end('{"error":"invalid webhook signature"}');
        return;
      }
      let payload;
      try {
        payload = JSON.parse(body.toString('utf8'));
      } catch {
        payload = body.toString('utf8');
      }
      const fresh = verified.id === null || dedupe.claim(verified.id);
      const entry = { at, verified: true, scheme: verified.scheme, id: verified.id, duplicate: !fresh, events: describe(payload) };
      let status = 200;
      if (!fresh) counts.duplicates += 1;
      else {
        if (forwardTo) {
          const headers = {};
          for (const name of FORWARDED_HEADERS) if (req.headers[name] !== undefined) headers[name] = req.headers[name];
          const githubHeader = Object.keys(req.headers).find((h) => h.startsWith('x-signature') || h === 'x-hub-signature-256');
          if (githubHeader) headers[githubHeader] = req.headers[githubHeader];
          try {
            const response = await fetch(forwardTo, { method: 'POST', headers, body, redirect: 'manual', signal: AbortSignal.timeout(15_000) });
            status = response.status;
            entry.forwarded = status;
            counts.forwarded += 1;
            if (status >= 300) dedupe.release(verified.id); // the app failed: let the retry through
          } catch (error) {
            status = 502;
            entry.forwarded = `error (${error.cause?.code ?? error.name})`;
            dedupe.release(verified.id);
          }
        }
      }
      if (fresh && status < 300) counts.verified += 1;
      print(entry);
      res.writeHead(status).end();
      if (maxEvents !== undefined && counts.verified >= maxEvents) resolveDone();
    });
  });

  await new Promise((resolve, reject) => {
    server.once('error', (error) => reject(new CliError(`cannot listen on ${values.host}:${values.port}: ${error.code ?? error.message}`)));
    server.listen(values.port, values.host, resolve);
  });
  const { port } = server.address();
  const schemes = values.scheme === 'auto' ? 'Standard Webhooks, Stripe-style and GitHub-style' : values.scheme;
  ui.err(`runwire listen: ready on http://${values.host.includes(':') ? `[${values.host}]` : values.host}:${port} — verifying ${schemes} signatures, deduping on webhook id${forwardTo ? `, forwarding to ${forwardTo}` : ''}`);
  signal?.addEventListener('abort', () => resolveDone(), { once: true });
  await done;
  server.closeAllConnections?.();
  await new Promise((resolve) => server.close(resolve));
  ui.err(`runwire listen: ${counts.received} received, ${counts.verified} verified, ${counts.duplicates} duplicates, ${counts.rejected} rejected${forwardTo ? `, ${counts.forwarded} forwarded` : ''}`);
  return 0;
}
