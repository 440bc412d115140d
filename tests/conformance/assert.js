/**
 * Minimal assertions for conformance cases. Cases run in Node, Deno, workerd and Chromium, so
 * they cannot import node:assert; these throw plain Errors with a readable diff instead.
 */

function show(value) {
  try {
    return JSON.stringify(value);
  } catch {
    return String(value);
  }
}

export function ok(value, message = 'expected a truthy value') {
  if (!value) throw new Error(message);
}

export function equal(actual, expected, message = '') {
  if (!Object.is(actual, expected)) {
    throw new Error(`${message ? message + ': ' : ''}expected ${show(expected)}, got ${show(actual)}`);
  }
}

/** Deep equality by canonical JSON, key order included (records' key order is API). */
export function deepEqual(actual, expected, message = '') {
  const a = show(actual);
  const e = show(expected);
  if (a !== e) throw new Error(`${message ? message + ': ' : ''}expected ${e}, got ${a}`);
}

/** `fn` must throw (or reject) an error whose `code` is `code`; returns the error. */
export async function rejectsWithCode(fn, code, message = '') {
  let error;
  try {
    await fn();
  } catch (e) {
    error = e;
  }
  if (!error) throw new Error(`${message ? message + ': ' : ''}expected ${code}, but nothing was thrown`);
  if (!(error instanceof Error)) throw new Error(`${message}: expected an Error object, got ${show(error)}`);
  if (error.code !== code) {
    throw new Error(`${message ? message + ': ' : ''}expected code ${code}, got ${error.code} (${error.message})`);
  }
  return error;
}
