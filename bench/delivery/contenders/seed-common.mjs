/**
 * The seed design, ported to JavaScript as the baseline a team would write by hand: a
 * fire-and-forget handler that, per event, builds the envelope, serialises it with sorted keys,
 * signs it with node:crypto (Standard Webhooks headers and X-Signature-256), POSTs it, retries
 * 5xx/429/408/network failures on the 1 s / 5 s / 30 s schedule, and dead-letters into an array.
 * `drain()` awaits every in-flight delivery. Only the HTTP call differs between the baselines.
 */
import { createHmac } from 'node:crypto';

const RETRYABLE = (status) => status >= 500 || status === 429 || status === 408;

function sortedStringify(value) {
  if (Array.isArray(value)) return `[${value.map(sortedStringify).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${sortedStringify(value[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

const TYPES = { on_tool_end: 'agent.tool.end', on_chain_end: 'agent.chain.end', on_llm_end: 'agent.llm.end', on_custom_event: 'agent.custom' };

/** The seed's headers for one attempt: Standard Webhooks (fresh timestamp) and X-Signature-256. */
export function seedHeaders(key, githubSecret, id, body) {
  const ts = Math.floor(Date.now() / 1000);
  return {
    'content-type': 'application/json',
    'webhook-id': id,
    'webhook-timestamp': String(ts),
    'webhook-signature': `v1,${createHmac('sha256', key).update(`${id}.${ts}.${body}`).digest('base64')}`,
    'x-signature-256': `sha256=${createHmac('sha256', githubSecret).update(body).digest('hex')}`,
    'idempotency-key': id,
  };
}

/** @param {(url: string, headers: object, body: string) => Promise<number>} post returns the status */
export function createSeedHandler({ url, secret, githubSecret, post, schedule = [1000, 5000, 30000] }) {
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  const inflight = new Set();
  const seq = new Map();
  const dlq = [];
  let delivered = 0;

  async function deliver(id, body) {
    for (let attempt = 0; ; attempt++) {
      const headers = seedHeaders(key, githubSecret, id, body);
      let status = 0;
      try {
        status = await post(url, headers, body);
        if (status >= 200 && status < 300) {
          delivered++;
          return;
        }
        if (!RETRYABLE(status)) {
          dlq.push({ id, body, reason: 'permanent_4xx', status });
          return;
        }
      } catch {
        // network error: retry below
      }
      if (attempt >= schedule.length) {
        dlq.push({ id, body, reason: 'exhausted', status });
        return;
      }
      await new Promise((r) => setTimeout(r, schedule[attempt]));
    }
  }

  return {
    send(event) {
      const k = `${event.run_id}:${event.event}`;
      const n = seq.get(k) ?? 0;
      seq.set(k, n + 1);
      const id = `${event.run_id}:${event.event}:${n}`;
      const body = sortedStringify({ type: TYPES[event.event] ?? 'agent.event', timestamp: new Date().toISOString(), data: event });
      const delivery = deliver(id, body).finally(() => inflight.delete(delivery));
      inflight.add(delivery);
    },
    async drain(timeoutMs) {
      await Promise.race([Promise.allSettled([...inflight]), new Promise((r) => setTimeout(r, timeoutMs).unref())]);
    },
    stats: () => ({ delivered, deadLettered: dlq.length, pending: inflight.size }),
  };
}
