/**
 * The JSON text an event crosses into the engine as, made on the JS thread.
 *
 * `toJson` is `JSON.stringify` with runwire's contract on failure: what it cannot encode (a
 * cycle, a BigInt, a throwing `toJSON`, nesting past V8's stack) is `ERR_RUNWIRE_UNSERIALIZABLE`,
 * thrown before the event is accepted — never accepted and lost later.
 *
 * `mayBeTooDeep` is the JS side of the core's nesting limit (crates/core/src/signing/canonical.rs
 * `MAX_DEPTH`): what it passes, the engine cannot refuse for depth, so the batched hand-over
 * (./batcher.js) may accept the event on the spot.
 */
import { codedError } from './errors.js';

/** crates/core/src/signing/canonical.rs `MAX_DEPTH`. */
export const MAX_DEPTH = 100;

/** `JSON.stringify(data)` (undefined as `null`), or `ERR_RUNWIRE_UNSERIALIZABLE`. */
export function toJson(data) {
  const text = stringify(data === undefined ? null : data);
  if (text === undefined) throw codedError('ERR_RUNWIRE_UNSERIALIZABLE', 'event data has no JSON form');
  return text;
}

/**
 * `JSON.stringify(value)`, undefined where it writes nothing (a function, a symbol, undefined:
 * an object member holding one is left out); its failures as `ERR_RUNWIRE_UNSERIALIZABLE`.
 */
export function stringify(value) {
  try {
    return JSON.stringify(value);
  } catch (cause) {
    throw codedError('ERR_RUNWIRE_UNSERIALIZABLE', `event data cannot be serialized to JSON: ${cause?.message ?? cause}`, cause);
  }
}

/**
 * Whether `json` could nest deeper than `limit`: it has more than `limit` opening brackets (in
 * strings too: a false alarm only costs the one-call path, where the engine counts exactly). A
 * text of at most `2 × limit + 1` characters cannot, and is passed without a look. `indexOf`
 * scans natively; an event has a handful of brackets, so this is a few calls (a regex or a char
 * loop is ≈ 10× dearer).
 */
export function mayBeTooDeep(json, limit = MAX_DEPTH) {
  if (json.length <= 2 * limit + 1) return false;
  let brackets = 0;
  for (let at = json.indexOf('{'); at !== -1; at = json.indexOf('{', at + 1)) if (++brackets > limit) return true;
  for (let at = json.indexOf('['); at !== -1; at = json.indexOf('[', at + 1)) if (++brackets > limit) return true;
  return false;
}
