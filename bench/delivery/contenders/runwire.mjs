/**
 * runwire's delivery engine (the addon): the same events, the same receiver, both signature
 * schemes, the seed's 1 s / 5 s / 30 s schedule. The JS thread serialises each event and makes
 * one native call; signing, HTTP (keep-alive pool), retries and timers run on tokio threads.
 * Dead letters go to a counting callback (the baselines keep an array), not to files.
 * Concurrency matches the node:http baseline's socket cap.
 */
import { createDelivery } from 'runwire';

export const name = 'runwire (addon)';

export function create({ url, secret, githubSecret }) {
  let deadLetters = 0;
  const delivery = createDelivery({
    urlPolicy: { profile: 'dev' }, // the receiver is on loopback http
    sinks: [{ url, secret, scheme: 'both', githubSecret, concurrency: Number(process.env.RUNWIRE_BENCH_CONCURRENCY ?? 256), events: '*' }],
    dlq: () => {
      deadLetters += 1;
    },
  });
  return {
    send(event) {
      delivery.send(event.event, event.run_id, event);
    },
    drain: (ms) => delivery.drain(ms),
    stats: () => ({ ...delivery.stats(), deadLetters }),
  };
}
