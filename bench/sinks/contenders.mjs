/**
 * The contenders of the sink benchmark, each `create(target) → { send(event), done() }`:
 * runwire's native sink, and what a user would write with the JS client of each transport —
 * JSON.stringify, a Standard Webhooks signature with node:crypto (the same fields runwire sends),
 * then the client call, with a bounded window of requests in flight. The batched variants are
 * what a careful user would do (kafkajs sendBatch, SNS PublishBatch) and are the stronger
 * baselines.
 */
import { createHmac } from 'node:crypto';
import Redis from 'ioredis';
import { Kafka, logLevel } from 'kafkajs';
import { SNSClient, PublishCommand, PublishBatchCommand } from '@aws-sdk/client-sns';

const RUN = '0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b';

/** The fields a user would attach, signed like a webhook (Standard Webhooks v1). */
function record(secret, event, i) {
  const id = `${RUN}:on_tool_end:${i + 1}`;
  const body = JSON.stringify({ data: event, timestamp: new Date().toISOString(), type: 'agent.tool.end' });
  const ts = String(Math.floor(Date.now() / 1000));
  const key = Buffer.from(secret.slice('whsec_'.length), 'base64');
  const signature = `v1,${createHmac('sha256', key).update(`${id}.${ts}.${body}`).digest('base64')}`;
  const fields = { id, type: 'agent.tool.end', event: 'on_tool_end', run_id: RUN, 'webhook-id': id, 'webhook-timestamp': ts, 'webhook-signature': signature };
  return { id, body, fields };
}

/** Runs `task` for each send with at most `limit` in flight; `done()` waits for all. */
function windowed(limit, task) {
  let inFlight = 0;
  const queue = [];
  let idle = null;
  let failures = 0;
  const pump = () => {
    while (inFlight < limit && queue.length > 0) {
      inFlight += 1;
      task(queue.shift()).catch(() => { failures += 1; }).finally(() => {
        inFlight -= 1;
        pump();
        if (inFlight === 0 && queue.length === 0) idle?.();
      });
    }
  };
  return {
    push(item) {
      queue.push(item);
      pump();
    },
    done: () => (inFlight === 0 && queue.length === 0 ? Promise.resolve(failures) : new Promise((r) => { idle = () => r(failures); })),
  };
}

/** Gathers items into arrays of `size` for a batched call. */
function batched(size, limit, task) {
  const w = windowed(limit, task);
  let current = [];
  return {
    push(item) {
      current.push(item);
      if (current.length === size) {
        w.push(current);
        current = [];
      }
    },
    done() {
      if (current.length > 0) w.push(current);
      current = [];
      return w.done();
    },
  };
}

/** runwire with the engine's `batch` option: each batch is one native batch call of the sink. */
const BATCH = { maxEvents: 100, lingerMs: 2 };

export const contenders = {
  redis: {
    async runwire(t, rw) {
      const delivery = rw.createDelivery({ exitDrainMs: false, dlq: () => {}, sinks: [{ type: 'redis', url: t.url, stream: t.stream, secret: t.secret, events: '*', concurrency: 64 }] });
      return { send: (e) => delivery.send('on_tool_end', RUN, e), done: async () => (await delivery.close(120_000)).dead_lettered };
    },
    async 'runwire-batch'(t, rw) {
      const delivery = rw.createDelivery({ exitDrainMs: false, dlq: () => {}, sinks: [{ type: 'redis', url: t.url, stream: t.stream, secret: t.secret, events: '*', concurrency: 64, batch: BATCH }] });
      return { send: (e) => delivery.send('on_tool_end', RUN, e), done: async () => (await delivery.close(120_000)).dead_lettered };
    },
    async ioredis(t) {
      const client = new Redis(t.url, { enableAutoPipelining: true });
      const w = windowed(1024, ({ body, fields }) => client.xadd(t.stream, 'MAXLEN', '~', '100000', '*', ...Object.entries(fields).flat(), 'body', body));
      return { send: (e, i) => w.push(record(t.secret, e, i)), done: async () => { const f = await w.done(); client.disconnect(); return f; } };
    },
  },
  kafka: {
    async runwire(t, rw) {
      const delivery = rw.createDelivery({ exitDrainMs: false, dlq: () => {}, sinks: [{ type: 'kafka', brokers: t.brokers, topic: t.topic, secret: t.secret, events: '*', concurrency: 256 }] });
      return { send: (e) => delivery.send('on_tool_end', RUN, e), done: async () => (await delivery.close(120_000)).dead_lettered };
    },
    async 'runwire-batch'(t, rw) {
      const delivery = rw.createDelivery({ exitDrainMs: false, dlq: () => {}, sinks: [{ type: 'kafka', brokers: t.brokers, topic: t.topic, secret: t.secret, events: '*', concurrency: 64, batch: BATCH }] });
      return { send: (e) => delivery.send('on_tool_end', RUN, e), done: async () => (await delivery.close(120_000)).dead_lettered };
    },
    async kafkajs(t) {
      const producer = new Kafka({ brokers: t.brokers, logLevel: logLevel.NOTHING }).producer();
      await producer.connect();
      const toMessage = ({ body, fields }) => ({ key: RUN, value: body, headers: fields });
      const w = windowed(256, (r) => producer.send({ topic: t.topic, acks: -1, messages: [toMessage(r)] }));
      return { send: (e, i) => w.push(record(t.secret, e, i)), done: async () => { const f = await w.done(); await producer.disconnect(); return f; } };
    },
    async 'kafkajs-batch100'(t) {
      const producer = new Kafka({ brokers: t.brokers, logLevel: logLevel.NOTHING }).producer();
      await producer.connect();
      const toMessage = ({ body, fields }) => ({ key: RUN, value: body, headers: fields });
      const b = batched(100, 16, (rs) => producer.send({ topic: t.topic, acks: -1, messages: rs.map(toMessage) }));
      return { send: (e, i) => b.push(record(t.secret, e, i)), done: async () => { const f = await b.done(); await producer.disconnect(); return f; } };
    },
  },
  sns: {
    async runwire(t, rw) {
      const delivery = rw.createDelivery({ exitDrainMs: false, dlq: () => {}, sinks: [{ type: 'sns', topicArn: t.topicArn, endpoint: t.endpoint, credentials: t.credentials, secret: t.secret, events: '*', concurrency: 64 }] });
      return { send: (e) => delivery.send('on_tool_end', RUN, e), done: async () => (await delivery.close(240_000)).dead_lettered };
    },
    async 'runwire-batch'(t, rw) {
      const delivery = rw.createDelivery({ exitDrainMs: false, dlq: () => {}, sinks: [{ type: 'sns', topicArn: t.topicArn, endpoint: t.endpoint, credentials: t.credentials, secret: t.secret, events: '*', concurrency: 64, batch: BATCH }] });
      return { send: (e) => delivery.send('on_tool_end', RUN, e), done: async () => (await delivery.close(240_000)).dead_lettered };
    },
    async 'client-sns'(t) {
      const client = new SNSClient({ endpoint: t.endpoint, region: 'us-east-1', credentials: t.credentials });
      const attributes = (fields) => Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, { DataType: 'String', StringValue: v }]));
      const w = windowed(64, ({ body, fields }) => client.send(new PublishCommand({ TopicArn: t.topicArn, Message: body, MessageAttributes: attributes(fields) })));
      return { send: (e, i) => w.push(record(t.secret, e, i)), done: () => w.done() };
    },
    async 'client-sns-batch10'(t) {
      const client = new SNSClient({ endpoint: t.endpoint, region: 'us-east-1', credentials: t.credentials });
      const attributes = (fields) => Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, { DataType: 'String', StringValue: v }]));
      const b = batched(10, 16, (rs) => client.send(new PublishBatchCommand({
        TopicArn: t.topicArn,
        PublishBatchRequestEntries: rs.map(({ body, fields }, j) => ({ Id: `m${j}`, Message: body, MessageAttributes: attributes(fields) })),
      })));
      return { send: (e, i) => b.push(record(t.secret, e, i)), done: () => b.done() };
    },
  },
};
