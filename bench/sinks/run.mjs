/**
 * Sink benchmark: runwire's native Redis Streams, Kafka and SNS sinks against the JS clients a
 * user would use (ioredis, kafkajs, @aws-sdk/client-sns), in one run, on the same real servers
 * (redis-server, tansu, moto — started here, stopped at the end), each contender in a fresh
 * process, rounds alternating. Prints a Markdown table of medians; --write puts it into
 * BENCHMARKS.md between the sink markers.
 *
 *   npm run bench:sinks [-- --write] [-- --rounds 3] [-- --only redis,kafka]
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { generateSecret } from 'runwire';
import { run } from '../../tests/support/paths.mjs';
import { startKafka, startMoto, startRedis } from '../../tests/support/services.mjs';
import { createTopic } from '../../tests/sinks/kafka-support.mjs';
import { bootstrapCredentials, clients } from '../../tests/sinks/sns-support.mjs';
import { CreateTopicCommand } from '@aws-sdk/client-sns';

const here = (name) => fileURLToPath(new URL(name, import.meta.url));
const arg = (name, fallback) => (process.argv.includes(name) ? process.argv[process.argv.indexOf(name) + 1] : fallback);
const rounds = Number(arg('--rounds', '3'));
const only = arg('--only', 'redis,kafka,sns').split(',');
const secret = generateSecret();
const EVENTS = { redis: 20_000, kafka: 20_000, sns: 5_000 };
const CONTENDERS = {
  redis: ['ioredis', 'runwire', 'runwire-batch'],
  kafka: ['kafkajs', 'kafkajs-batch100', 'runwire', 'runwire-batch'],
  sns: ['client-sns', 'client-sns-batch10', 'runwire', 'runwire-batch'],
};
const OURS = new Set(['runwire', 'runwire-batch']);
const load0 = loadavg()[0];

const servers = [];
const targets = {};
let n = 0;
try {
  if (only.includes('redis')) {
    const redis = await startRedis();
    servers.push(redis);
    targets.redis = () => ({ url: redis.url, stream: `bench-${(n += 1)}`, secret });
  }
  if (only.includes('kafka')) {
    const kafka = await startKafka();
    servers.push(kafka);
    targets.kafka = async () => {
      const topic = `bench-${(n += 1)}`;
      await createTopic(kafka.brokers, topic, 3);
      return { brokers: kafka.brokers, topic, secret };
    };
  }
  if (only.includes('sns')) {
    const moto = await startMoto();
    servers.push(moto);
    const credentials = await bootstrapCredentials(moto.endpoint);
    const { sns } = clients(moto.endpoint, credentials);
    targets.sns = async () => {
      const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: `bench-${(n += 1)}` }));
      return { topicArn: TopicArn, endpoint: moto.endpoint, credentials, secret };
    };
  }

  const results = {};
  for (let round = 0; round < rounds; round += 1) {
    for (const sink of only) {
      const order = round % 2 === 0 ? CONTENDERS[sink] : [...CONTENDERS[sink]].reverse();
      for (const contender of order) {
        const target = await targets[sink]();
        const { stdout } = await run(process.execPath, [here('./scenario.mjs'), sink, contender, JSON.stringify(target), String(EVENTS[sink])], { timeoutMs: 600_000 });
        const result = JSON.parse(stdout.trim().split('\n').at(-1));
        console.error(`round ${round + 1} ${sink} ${contender}: ${Math.round(result.eventsPerSec)} ev/s, ${result.jsUsPerEvent.toFixed(2)} µs JS/event (CPU ${result.jsCpuUsPerEvent.toFixed(2)}, waiting ${result.jsWaitUsPerEvent.toFixed(2)}), failures ${result.failures}`);
        (results[`${sink}/${contender}`] ??= []).push(result);
      }
    }
  }

  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const rows = [];
  rows.push('| sink | contender | events | events/s (median) | JS-thread µs/event (busy) | JS-thread CPU µs/event | JS thread waiting for a CPU, µs/event | runwire events/s ratio (single / batch) | runwire JS-time ratio (single / batch) | runwire JS-CPU ratio (single / batch) |');
  rows.push('|---|---|---:|---:|---:|---:|---:|---:|---:|---:|');
  const figures = (key) => {
    const rs = results[key];
    return { rate: median(rs.map((r) => r.eventsPerSec)), js: median(rs.map((r) => r.jsUsPerEvent)), cpu: median(rs.map((r) => r.jsCpuUsPerEvent)), wait: median(rs.map((r) => r.jsWaitUsPerEvent)) };
  };
  for (const sink of only) {
    const single = figures(`${sink}/runwire`);
    const batch = figures(`${sink}/runwire-batch`);
    for (const contender of CONTENDERS[sink]) {
      const { rate, js, cpu, wait } = figures(`${sink}/${contender}`);
      const ratio = OURS.has(contender) ? '—' : `${(single.rate / rate).toFixed(2)}× / ${(batch.rate / rate).toFixed(2)}×`;
      const jsRatio = OURS.has(contender) ? '—' : `1/${(js / single.js).toFixed(1)} / 1/${(js / batch.js).toFixed(1)}`;
      const cpuRatio = OURS.has(contender) ? '—' : `1/${(cpu / single.cpu).toFixed(1)} / 1/${(cpu / batch.cpu).toFixed(1)}`;
      rows.push(`| ${sink} | ${contender} | ${EVENTS[sink]} | ${Math.round(rate)} | ${js.toFixed(2)} | ${cpu.toFixed(2)} | ${wait.toFixed(2)} | ${ratio} | ${jsRatio} | ${cpuRatio} |`);
    }
  }
  const table = `${rows.join('\n')}\n\n${rounds} rounds, medians; ${cpus().length} cores, load average ${load0.toFixed(1)} → ${loadavg()[0].toFixed(1)}; ${new Date().toISOString().slice(0, 10)}.`;
  console.log(table);
  if (process.argv.includes('--write')) {
    const path = here('../../BENCHMARKS.md');
    const text = readFileSync(path, 'utf8');
    const start = '<!-- bench:sinks:begin -->';
    const end = '<!-- bench:sinks:end -->';
    if (!text.includes(start)) throw new Error('BENCHMARKS.md has no sink markers');
    writeFileSync(path, `${text.slice(0, text.indexOf(start) + start.length)}\n${table}\n${text.slice(text.indexOf(end))}`);
  }
} finally {
  for (const server of servers) await server.stop();
}
