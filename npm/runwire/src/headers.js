/**
 * Case-insensitive header lookup over the shapes receivers meet: a fetch `Headers`, Node's
 * `IncomingHttpHeaders` (lower-case keys, array values for repeats), or a plain object with
 * any capitalisation.
 */

/** @returns {(name: string) => string | undefined} lookup by lower-case name */
export function headerReader(headers) {
  if (headers == null || typeof headers !== 'object') {
    return () => undefined;
  }
  if (typeof headers.get === 'function') {
    return (name) => headers.get(name) ?? undefined;
  }
  const lower = new Map();
  for (const key of Object.keys(headers)) {
    const value = headers[key];
    if (value === undefined || value === null) continue;
    lower.set(key.toLowerCase(), Array.isArray(value) ? value.join(' ') : String(value));
  }
  return (name) => lower.get(name);
}
