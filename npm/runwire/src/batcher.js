/**
 * Batching across the JS/native boundary (addon only): `send()` buffers each accepted event and
 * the buffer crosses into the engine in one native call per event-loop turn, instead of one call
 * with three string conversions per event. On the native side the call is one UTF-16 copy and one
 * push to the engine's ingest thread (crates/node/src/ingest.rs), which transcodes, mints ids
 * and queues.
 *
 * Exactness. `send()` still answers synchronously and exactly: an event is buffered only when
 * nothing the engine checks at acceptance could refuse it —
 * - the delivery is open (`close()` flushes, then marks this batcher closed);
 * - some sink wants its event name (else the engine must count it as filtered);
 * - `event`, `runId` and `rootRunId` are valid id parts: 1–256 printable ASCII characters, no `.`
 *   (crates/core/src/delivery/idempotency.rs);
 * - its JSON cannot nest deeper than the core's limit (./json-text.js `mayBeTooDeep`, or the
 *   caller built the text from parts it checked so).
 * Anything else takes the one-call path (after flushing, so order holds), which gives the
 * engine's own answer or error. The engine has no `overflow: "reject"` sink and no spool (the
 * native side offers `enqueueBatch` only then), so no answer depends on the queues' state.
 *
 * Accounting. An event counts as accepted once `send()` returned true; `stats()`, `drain()`,
 * `flush()`, `close()`, `replay()` and the run-completion webhook flush the buffer first, so
 * their figures, their waiting and every run's order cover it. A buffer reaching `MAX_EVENTS`
 * or `MAX_CHARS` crosses at once, so a long synchronous loop holds bounded memory.
 */

import { mayBeTooDeep } from './json-text.js';

/** crates/node/src/ingest.rs `BATCH_SEPARATOR`: ids are printable ASCII, JSON escapes controls. */
const SEPARATOR = '\x1f';
/**
 * A buffer crosses at once when it holds this many events, or this many characters (the text
 * handed over, headers and separators included). Small on purpose:
 * - what is buffered survives V8's scavenges, and a high survival rate makes V8 grow its young
 *   generation for good (2,048 events cost ≈ 20 MB more RSS in bench/delivery's rss scenario);
 * - the joined text stays below V8's largest regular object (128 KB; 56 Ki characters are at
 *   most 112 KB as UTF-16). A larger one is a large object, given pages of its own at every
 *   hand-over: 0.2–0.4 µs more JS-thread CPU per event through the LangChain handler in
 *   bench/delivery (medians of 11 interleaved fresh processes each: 3.08 vs 2.86 µs, and
 *   3.43 vs 3.06 µs in a second pairing).
 * One native call per 128–256 events costs ≈ 0.005 µs per event.
 */
const MAX_EVENTS = 256;
const MAX_CHARS = 56 * 1024;
const ID_PART = /^[\x21-\x2d\x2f-\x7e]{1,256}$/;

/**
 * @param {{ enqueueBatch(text: string): void }} engine the addon's engine, with `batches` true
 * @param {(event: string) => boolean} wants whether some sink takes `event`
 * @param {(error: unknown) => void} onError where a failed background hand-over is reported
 */
export function createBatcher(engine, wants, onError) {
  // Per event two parts: its header (name, run id, root, end-of-run flag) and its JSON text. A
  // run sends many events in a row with the same header, so it is built and checked once per
  // change; '.' is no valid id part, so the first event cannot match unchecked.
  let parts = [];
  let events = 0;
  let chars = 0;
  let scheduled = null;
  let closed = false;
  let lastEvent = '.';
  let lastRunId = '.';
  let lastRoot = '.';
  let lastEnds = false;
  let header = '';

  function flush() {
    if (scheduled !== null) {
      clearImmediate(scheduled);
      scheduled = null;
    }
    if (events === 0) return;
    const text = parts.join(SEPARATOR);
    parts = [];
    events = 0;
    chars = 0;
    engine.enqueueBatch(text);
  }

  function flushLater() {
    scheduled = null;
    try {
      flush();
    } catch (error) {
      // Unreachable by construction (see the module docs); never let it reach the host's loop.
      onError(error);
    }
  }

  /** Checks and builds the header of an event unlike the one before; false if an id is invalid. */
  function newHeader(event, runId, root, endsRun) {
    if (!ID_PART.test(event) || !ID_PART.test(runId) || (root !== '' && !ID_PART.test(root))) return false;
    lastEvent = event;
    lastRunId = runId;
    lastRoot = root;
    lastEnds = endsRun;
    header = `${event}${SEPARATOR}${runId}${SEPARATOR}${root}${SEPARATOR}${endsRun ? '1' : ''}`;
    return true;
  }

  return {
    /**
     * Buffers the event when nothing could refuse it (then it is accepted); false when it must
     * take the one-call path — after `flush()`, where the engine decides. `rootRunId` undefined:
     * none (a root the quick check refuses, even '', takes that path: the engine takes any
     * string). `shallow`: the caller checked that `json` nests no deeper than the core's limit.
     */
    offer(event, runId, json, rootRunId, endsRun = false, shallow = false) {
      if (closed || rootRunId === '' || !wants(event)) return false;
      const root = rootRunId ?? '';
      if ((event !== lastEvent || runId !== lastRunId || root !== lastRoot || endsRun !== lastEnds) && !newHeader(event, runId, root, endsRun)) {
        return false;
      }
      if (!shallow && mayBeTooDeep(json)) return false;
      const size = header.length + json.length + 2;
      if (chars + size > MAX_CHARS && events > 0) flush();
      parts.push(header, json);
      events += 1;
      chars += size;
      if (events >= MAX_EVENTS || chars >= MAX_CHARS) flush();
      else if (scheduled === null) scheduled = setImmediate(flushLater);
      return true;
    },
    /** Hands everything buffered to the engine now. */
    flush,
    /** `close()`: flushes; later events take the one-call path (and get the engine's `Closed`). */
    close() {
      flush();
      closed = true;
    },
  };
}
