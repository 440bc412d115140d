/**
 * Retry schedules as exact virtual-clock sleep sequences, on every target: each case in
 * tests/fixtures/retry-schedules.json runs one message through the real delivery engine
 * (`simulateDelivery`: VirtualRuntime + a scripted sink) and must produce exactly the expected
 * sleeps, attempts, statuses and ending — the status table, Retry-After clamps (seconds and
 * HTTP-date) and seeded ±20% jitter included.
 */
import { deepEqual } from '../assert.js';

export default {
  topic: 'retry',
  fixtures: ['retry-schedules.json'],
  cases: [
    {
      name: 'every schedule in retry-schedules.json is reproduced exactly',
      async run(rw, fx) {
        const cases = fx['retry-schedules'].cases;
        const failures = [];
        for (const c of cases) {
          try {
            deepEqual(rw.simulateDelivery(c.input), c.expect, c.name);
          } catch (e) {
            failures.push(e.message);
          }
        }
        if (failures.length) throw new Error(`${failures.length}/${cases.length} failed:\n${failures.join('\n')}`);
        return { schedules: cases.length };
      },
    },
  ],
};
