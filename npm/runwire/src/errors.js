/**
 * Errors thrown by runwire's JavaScript layer. Native and wasm errors already carry `code`;
 * errors raised in the glue itself use the same shape, so callers can always switch on
 * `err.code` (stable `ERR_RUNWIRE_*` strings) whatever the target.
 */

/** @param {string} code @param {string} message @param {unknown} [cause] */
export function codedError(code, message, cause) {
  const error = cause === undefined ? new Error(message) : new Error(message, { cause });
  error.code = code;
  return error;
}

export function invalidArgument(message) {
  return codedError('ERR_RUNWIRE_INVALID_ARGUMENT', message);
}
