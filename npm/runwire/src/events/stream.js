/**
 * The record stream of a standalone `streamEvents`: an unbounded FIFO with one consumer.
 *
 * Like LangChain's, the producer never waits for the consumer (a slow `for await` does not slow
 * the run), records keep their payloads by reference, and an error in the run is thrown to the
 * consumer after the records produced before it. The consumer side applies LangChain's two
 * stream-level rules (§6.2): the first yielded record gets `data.input = <root input>`, and the
 * end record of that record's run loses `data.input`.
 */
import { codedError } from '../errors.js';

const DONE = Object.freeze({ value: undefined, done: true });

export class RecordStream {
  constructor(rootInput, start, onReturn) {
    this.buffer = [];
    this.head = 0;
    this.waiter = undefined;
    this.closed = false;
    this.failed = false;
    this.error = undefined;
    this.started = false;
    this.start = start;
    this.onReturn = onReturn;
    this.rootInput = rootInput;
    this.firstSent = false;
    this.firstRunId = undefined;
  }

  push(record) {
    if (this.closed) return;
    const waiter = this.waiter;
    if (waiter !== undefined) {
      this.waiter = undefined;
      waiter.resolve({ value: this.shape(record), done: false });
    } else {
      this.buffer.push(record);
    }
  }

  close() {
    if (this.closed) return;
    this.closed = true;
    this.settleWaiter();
  }

  fail(error) {
    if (this.closed) return;
    this.closed = true;
    this.failed = true;
    this.error = error;
    this.settleWaiter();
  }

  settleWaiter() {
    const waiter = this.waiter;
    if (waiter === undefined) return;
    this.waiter = undefined;
    if (this.failed) waiter.reject(this.error);
    else waiter.resolve(DONE);
  }

  shape(record) {
    if (!this.firstSent) {
      this.firstSent = true;
      this.firstRunId = record.run_id;
      record.data.input = this.rootInput;
    } else if (record.run_id === this.firstRunId && record.event.endsWith('_end') && record.data?.input) {
      delete record.data.input;
    }
    return record;
  }

  next() {
    if (!this.started) {
      this.started = true;
      this.start();
    }
    if (this.head < this.buffer.length) {
      const record = this.buffer[this.head];
      this.buffer[this.head++] = undefined;
      if (this.head === this.buffer.length) {
        this.buffer.length = 0;
        this.head = 0;
      }
      return Promise.resolve({ value: this.shape(record), done: false });
    }
    if (this.closed) {
      if (this.failed) {
        this.failed = false;
        return Promise.reject(this.error);
      }
      return Promise.resolve(DONE);
    }
    return new Promise((resolve, reject) => {
      this.waiter = { resolve, reject };
    });
  }

  return(value) {
    if (!this.closed) {
      this.closed = true;
      this.onReturn?.();
    }
    this.buffer.length = 0;
    this.head = 0;
    this.failed = false;
    return Promise.resolve({ value, done: true });
  }

  [Symbol.asyncIterator]() {
    return this;
  }
}

const encoder = new TextEncoder();

/** `text/event-stream` framing of LangChain's `convertToHttpEventStream` (§6.3), as bytes. */
export async function* eventStreamBytes(records) {
  for await (const record of records) {
    let json;
    try {
      json = JSON.stringify(record);
    } catch (cause) {
      throw codedError('ERR_RUNWIRE_UNSERIALIZABLE', `record cannot be serialized to JSON: ${cause.message}`, cause);
    }
    yield encoder.encode(`event: data\ndata: ${json}\n\n`);
  }
  yield encoder.encode('event: end\n\n');
}
