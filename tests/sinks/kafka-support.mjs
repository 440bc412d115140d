/**
 * kafkajs as the test's independent Kafka client: topic admin and a read-back consumer (group
 * joins on tansu are slow: short rebalance timeout, unique group per read).
 */
import { Kafka, logLevel } from 'kafkajs';

export function kafkaClient(brokers) {
  return new Kafka({ clientId: 'runwire-test', brokers, logLevel: logLevel.NOTHING, retry: { retries: 3, initialRetryTime: 100 } });
}

export async function createTopic(brokers, topic, numPartitions = 3) {
  const admin = kafkaClient(brokers).admin();
  await admin.connect();
  try {
    await admin.createTopics({ topics: [{ topic, numPartitions }], waitForLeaders: true });
  } finally {
    await admin.disconnect();
  }
}

let groups = 0;

/**
 * Reads `topic` from the beginning until `expected` records arrived or nothing new came for
 * `idleMs` (bounded by `timeoutMs`). Returns the records with headers as strings.
 */
export async function readTopic(brokers, topic, { expected, idleMs = 4_000, timeoutMs = 90_000 } = {}) {
  const consumer = kafkaClient(brokers).consumer({
    groupId: `runwire-read-${process.pid}-${(groups += 1)}`,
    rebalanceTimeout: 3_000,
    sessionTimeout: 10_000,
    maxWaitTimeInMs: 200,
  });
  const records = [];
  let last = Date.now();
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    eachBatch: async ({ batch }) => {
      for (const message of batch.messages) {
        const headers = {};
        for (const [k, v] of Object.entries(message.headers ?? {})) headers[k] = v?.toString();
        records.push({ partition: batch.partition, key: message.key?.toString(), value: message.value.toString(), headers });
      }
      last = Date.now();
    },
  });
  const started = Date.now();
  while ((expected === undefined || records.length < expected) && Date.now() - started < timeoutMs) {
    if (records.length > 0 && Date.now() - last > idleMs && expected === undefined) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  await consumer.disconnect();
  return records;
}
