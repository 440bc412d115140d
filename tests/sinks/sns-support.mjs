/**
 * moto as a real SNS/SQS endpoint for the tests: an IAM user created with moto's few
 * unauthenticated bootstrap calls (after which every request's SigV4 signature is checked), a
 * topic with a raw-delivery SQS subscription, a queue drainer (moto slows down as a queue
 * fills, so the tests drain while publishing), and an HTTP fault proxy that answers Throttling /
 * 5xx or refuses connections before passing requests on.
 */
import { createServer, request } from 'node:http';
import { IAMClient, CreateUserCommand, PutUserPolicyCommand, CreateAccessKeyCommand } from '@aws-sdk/client-iam';
import { SNSClient, CreateTopicCommand, SubscribeCommand } from '@aws-sdk/client-sns';
import {
  SQSClient, CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand, DeleteMessageBatchCommand,
} from '@aws-sdk/client-sqs';
import { freePort } from '../support/paths.mjs';

/** moto started with INITIAL_NO_AUTH_ACTION_COUNT=3: these three calls mint the test's keys. */
export async function bootstrapCredentials(endpoint) {
  const iam = new IAMClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'bootstrap', secretAccessKey: 'bootstrap' } });
  await iam.send(new CreateUserCommand({ UserName: 'runwire' }));
  await iam.send(new PutUserPolicyCommand({
    UserName: 'runwire',
    PolicyName: 'all',
    PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] }),
  }));
  const { AccessKey } = await iam.send(new CreateAccessKeyCommand({ UserName: 'runwire' }));
  return { accessKeyId: AccessKey.AccessKeyId, secretAccessKey: AccessKey.SecretAccessKey };
}

export function clients(endpoint, credentials) {
  const options = { endpoint, region: 'us-east-1', credentials };
  return { sns: new SNSClient(options), sqs: new SQSClient(options) };
}

/** A topic (FIFO when `fifo`) with a raw-delivery SQS queue subscribed. */
export async function topicWithQueue({ sns, sqs }, name, { fifo = false } = {}) {
  const suffix = fifo ? '.fifo' : '';
  const attributes = fifo ? { FifoTopic: 'true', ContentBasedDeduplication: 'false' } : {};
  const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: `${name}${suffix}`, Attributes: attributes }));
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({
    QueueName: `${name}${suffix}`,
    Attributes: fifo ? { FifoQueue: 'true' } : {},
  }));
  const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }));
  await sns.send(new SubscribeCommand({
    TopicArn, Protocol: 'sqs', Endpoint: Attributes.QueueArn, Attributes: { RawMessageDelivery: 'true' },
  }));
  return { topicArn: TopicArn, queueUrl: QueueUrl };
}

/**
 * Receives and deletes from the queue until `stop()` is called and the queue is empty; returns
 * `{ messages, stop }` where `stop()` resolves with every message (body + attributes).
 *
 * `readers` loops receive at once: moto's SendMessage and ReceiveMessage each scan every message
 * in the queue (its queue attributes are recomputed per call), so a queue that is allowed to
 * grow makes publishing O(n²). Keeping it near empty keeps moto at its per-request speed.
 */
export function drainQueue({ sqs }, queueUrl, { readers = 6 } = {}) {
  const messages = [];
  let stopping = false;
  const reader = async () => {
    let emptyAfterStop = 0;
    while (emptyAfterStop < 2) {
      const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: stopping ? 0 : 1,
        MessageAttributeNames: ['All'],
        MessageSystemAttributeNames: ['MessageGroupId', 'MessageDeduplicationId'],
      }));
      for (const m of Messages) {
        const attributes = {};
        for (const [k, v] of Object.entries(m.MessageAttributes ?? {})) attributes[k] = v.StringValue;
        messages.push({ body: m.Body, attributes, system: m.Attributes ?? {}, messageId: m.MessageId });
      }
      if (Messages.length > 0) {
        await sqs.send(new DeleteMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: Messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })),
        }));
      }
      if (stopping && Messages.length === 0) emptyAfterStop += 1;
    }
  };
  const loops = Promise.all(Array.from({ length: readers }, reader));
  return {
    messages,
    async stop() {
      stopping = true;
      await loops;
      return messages;
    },
  };
}

/**
 * An HTTP proxy in front of moto: `rule(n)` for the n-th request returns `null` (pass through)
 * or `{ status, code }` to answer with an AWS error document; `down(ms)` refuses connections.
 */
export async function startFaultProxy(target, rule) {
  const port = await freePort();
  let n = 0;
  const counts = {};
  const sockets = new Set();
  let server;
  const listen = () =>
    new Promise((resolve) => {
      server = createServer((req, res) => {
        const chunks = [];
        req.on('data', (c) => chunks.push(c));
        req.on('end', () => {
          const fault = rule(n++);
          if (fault) {
            counts[fault.code] = (counts[fault.code] ?? 0) + 1;
            res.writeHead(fault.status, { 'content-type': 'text/xml' });
            res.end(`<ErrorResponse><Error><Type>${fault.status < 500 ? 'Sender' : 'Receiver'}</Type><Code>${fault.code}</Code><Message>injected</Message></Error></ErrorResponse>`);
            return;
          }
          const upstream = request(`${target}${req.url}`, { method: req.method, headers: req.headers }, (up) => {
            res.writeHead(up.statusCode, up.headers);
            up.pipe(res);
          });
          upstream.on('error', () => res.destroy());
          upstream.end(Buffer.concat(chunks));
        });
      });
      server.on('connection', (s) => {
        sockets.add(s);
        s.on('close', () => sockets.delete(s));
      });
      server.listen(port, '127.0.0.1', resolve);
    });
  await listen();
  return {
    endpoint: `http://127.0.0.1:${port}`,
    counts,
    async down(ms) {
      const closed = new Promise((resolve) => server.close(resolve));
      for (const s of sockets) s.destroy();
      await closed;
      await new Promise((r) => setTimeout(r, ms));
      await listen();
    },
    stop: () => new Promise((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    }),
  };
}
