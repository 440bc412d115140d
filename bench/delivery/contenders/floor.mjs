/**
 * The floor under every contender's JS-thread figures: the harness's own work (building each
 * event, its loop and timers) plus one `JSON.stringify` of the event — what any sender that
 * serialises on the JS thread pays before it sends anything. Nothing is delivered, so the
 * scenarios that wait for deliveries (latency, rss) skip it. runwire's own share of a figure is
 * its column minus this one.
 */
export const name = 'floor: JSON.stringify only, nothing sent';

/** Tells bench/delivery/scenario.mjs not to wait for deliveries. */
export const delivers = false;

export function create() {
  let bytes = 0;
  return {
    send(event) {
      bytes += JSON.stringify(event).length;
    },
    drain: async () => ({ bytes }),
    stats: () => ({ bytes }),
  };
}
