/**
 * Makes two runs comparable: every UUID (run ids, LangGraph task/checkpoint ids) is replaced by
 * its position of first appearance, everywhere in the value — keys order and all other values
 * are kept, `undefined` members included, so `assert.deepStrictEqual` sees real differences.
 */
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g;

export function createNormalizer() {
  const ids = new Map();
  const id = (uuid) => {
    if (!ids.has(uuid)) ids.set(uuid, `<id${ids.size}>`);
    return ids.get(uuid);
  };
  function normalize(value, seen = new Set()) {
    if (typeof value === 'string') return value.replace(UUID, id);
    if (value === null || typeof value !== 'object') return value;
    if (seen.has(value)) return '<cycle>';
    seen.add(value);
    let out;
    if (Array.isArray(value)) out = value.map((v) => normalize(v, seen));
    else if (Object.getPrototypeOf(value) === Object.prototype || Object.getPrototypeOf(value) === null) {
      out = {};
      for (const key of Object.keys(value)) out[key] = normalize(value[key], seen);
    } else {
      out = { [`<${value.constructor?.name ?? 'object'}>`]: normalize(JSON.parse(JSON.stringify(value) ?? 'null'), seen) };
    }
    seen.delete(value);
    return out;
  }
  return normalize;
}

/** A record as a comparable value: key order made explicit, ids normalized. */
export function recordView(normalize, record) {
  return { keys: Object.keys(record), record: normalize(record) };
}

/** Runs `fn` with console.warn/error captured; returns `{ result, error, lines }`. */
export async function captureConsole(fn) {
  const lines = [];
  const { warn, error } = console;
  console.warn = (...args) => lines.push(['warn', args.join(' ')]);
  console.error = (...args) => lines.push(['error', args.join(' ')]);
  try {
    return { result: await fn(), lines };
  } catch (err) {
    return { error: String(err), lines };
  } finally {
    console.warn = warn;
    console.error = error;
  }
}
