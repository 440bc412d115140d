/**
 * Bad input gives the same typed error on every target: tests/fixtures/errors.json lists calls
 * with arguments and the `err.code` (and message) each must produce.
 */
import { equal, rejectsWithCode } from '../assert.js';

function decode(value) {
  if (Array.isArray(value)) return value.map(decode);
  if (value === null || typeof value !== 'object') return value;
  if ('$bytes' in value) return new Uint8Array(value.$bytes);
  if ('$bigint' in value) return BigInt(value.$bigint);
  if ('$undefined' in value) return undefined;
  if ('$circular' in value) {
    const cycle = { name: 'cycle' };
    cycle.self = cycle;
    return cycle;
  }
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, decode(v)]));
}

export default {
  topic: 'errors',
  fixtures: ['errors.json'],
  cases: [
    {
      name: 'every bad input in errors.json gets its code and message',
      async run(rw, { errors }) {
        const failures = [];
        for (const c of errors.cases) {
          try {
            const error = await rejectsWithCode(() => rw[c.call](...decode(c.args)), c.code, c.name);
            if (c.message !== null) equal(error.message, c.message, c.name);
          } catch (e) {
            failures.push(e.message);
          }
        }
        if (failures.length) throw new Error(`${failures.length}/${errors.cases.length} failed:\n${failures.join('\n')}`);
        return { errorCases: errors.cases.length };
      },
    },
  ],
};
