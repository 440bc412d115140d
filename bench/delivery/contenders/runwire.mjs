/**
 * runwire's delivery engine (the addon): the same events, the same receiver, both signature
 * schemes, the seed's 1 s / 5 s / 30 s schedule. The JS thread serialises each event and buffers
 * it; the addon takes each loop turn's events in one call, and signing, HTTP (keep-alive pool),
 * retries and timers run on its own threads. Dead letters go to a counting callback (the
 * baselines keep an array), not to files. Concurrency matches the node:http baseline's socket cap.
 */
import { createDelivery } from 'runwire';

export const name = 'runwire (addon)';

/** The options both runwire contenders use (./runwire-handler.mjs too), and the DLQ count. */
export function deliveryOptions({ url, secret, githubSecret }) {
  const counts = { deadLetters: 0 };
  const options = {
    urlPolicy: { profile: 'dev' }, // the receiver is on loopback http
    sinks: [{ url, secret, scheme: 'both', githubSecret, concurrency: Number(process.env.RUNWIRE_BENCH_CONCURRENCY ?? 256), events: '*' }],
    dlq: () => {
      counts.deadLetters += 1;
    },
  };
  return { options, counts };
}

export function create(target) {
  const { options, counts } = deliveryOptions(target);
  const delivery = createDelivery(options);
  return {
    send(event) {
      delivery.send(event.event, event.run_id, event);
    },
    drain: (ms) => delivery.drain(ms),
    stats: () => ({ ...delivery.stats(), deadLetters: counts.deadLetters }),
  };
}
