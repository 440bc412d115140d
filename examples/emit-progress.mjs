/**
 * One `emit`, two audiences: a LangGraph.js research agent reports progress once per step, and
 * - a UI sees it live: the agent server streams LangGraph's `custom` stream to the browser as
 *   Server-Sent Events (here a small client plays the browser and prints what it renders);
 * - a back office gets it as signed webhooks: runwire's handler delivers each event, and the
 *   receiver verifies every signature (runwire's `webhookHandler`) before it records it.
 *
 * Everything runs on loopback in this one process. Usage: node examples/emit-progress.mjs
 */
import { createServer } from 'node:http';
import { z } from 'zod';
import { StateGraph, Annotation, START, END } from '@langchain/langgraph';
import { tool } from '@langchain/core/tools';
import { emit, createWebhookHandler, generateSecret, webhookHandler } from 'runwire';

const secret = generateSecret();

// --- the back office: a signed-webhook receiver ------------------------------------------------
const backOffice = webhookHandler({
  secrets: secret,
  onWebhook: async (event) => {
    console.log(`webhook: verified ${event.type} ${event.data.name} ${JSON.stringify(event.data.data)}`);
  },
});
const receiver = createServer(async (req, res) => {
  const body = await new Promise((resolve) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c)).on('end', () => resolve(Buffer.concat(chunks)));
  });
  const response = await backOffice(new Request(`http://receiver${req.url}`, { method: 'POST', headers: req.headers, body }));
  res.writeHead(response.status).end(await response.text());
});
await new Promise((resolve) => receiver.listen(0, '127.0.0.1', resolve));

// --- the agent: one emit per step, from nodes and from a tool -----------------------------------
const search = tool(
  async ({ query }, config) => {
    await emit('progress', { step: 'search', detail: `searching "${query}"` }, config);
    return `3 sources about ${query}`;
  },
  { name: 'search', description: 'web search', schema: z.object({ query: z.string() }) },
);
const State = Annotation.Root({
  question: Annotation(),
  notes: Annotation({ reducer: (a, b) => a.concat(b), default: () => [] }),
});
const agent = new StateGraph(State)
  .addNode('plan', async ({ question }) => {
    await emit('progress', { step: 'plan', detail: `planning an answer to "${question}"` });
    return { notes: ['plan'] };
  })
  .addNode('research', async ({ question }, config) => ({ notes: [await search.invoke({ query: question }, config)] }))
  .addNode('write', async ({ notes }) => {
    await emit('progress', { step: 'write', detail: `writing from ${notes.length} notes` });
    return { notes: ['answer'] };
  })
  .addEdge(START, 'plan')
  .addEdge('plan', 'research')
  .addEdge('research', 'write')
  .addEdge('write', END)
  .compile();

const webhooks = createWebhookHandler({
  urlPolicy: { profile: 'dev' }, // a loopback receiver; the default profile refuses it
  sinks: [{ name: 'back-office', url: `http://127.0.0.1:${receiver.address().port}/hooks`, secret, events: ['on_custom_event'] }],
});

// --- the agent server: streams the custom stream to the UI as SSE -------------------------------
const app = createServer(async (req, res) => {
  const question = new URL(req.url, 'http://app').searchParams.get('q') ?? 'why is the sky blue';
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  const stream = await agent.stream({ question }, { streamMode: 'custom', callbacks: [webhooks] });
  for await (const chunk of stream) res.write(`event: ${chunk.name}\ndata: ${JSON.stringify(chunk.data)}\n\n`);
  res.end('event: done\ndata: {}\n\n');
});
await new Promise((resolve) => app.listen(0, '127.0.0.1', resolve));

// --- the UI: reads the SSE stream and renders each step -----------------------------------------
const response = await fetch(`http://127.0.0.1:${app.address().port}/?q=${encodeURIComponent('why is the sky blue')}`);
const text = await response.text();
for (const block of text.trim().split('\n\n')) {
  const [event, data] = block.split('\n').map((line) => line.slice(line.indexOf(':') + 2));
  if (event !== 'done') console.log(`ui: ${JSON.parse(data).step.padEnd(8)} ${JSON.parse(data).detail}`);
}

const stats = await webhooks.delivery.close(10_000);
console.log(`stats: ${stats.delivered} delivered, ${stats.dead_lettered} dead-lettered, ${stats.pending} pending`);
app.close();
receiver.close();
