/**
 * TypeScript: a LangGraph.js graph whose progress events, tool results and node ends runwire signs
 * and delivers to an Express receiver that verifies and dedupes them — no casts anywhere.
 *
 *   npm run example:ts     (tsc --strict compiles examples/*.ts to examples/out/, then node runs it)
 *
 * examples/langgraph-express.test.mjs compiles and runs it in `npm test`; tests/types/ also
 * type-checks it under nodenext, bundler and node10 resolution against @langchain/core 1.x and 0.3.
 */
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { tool } from '@langchain/core/tools';
import { Annotation, END, START, StateGraph, type LangGraphRunnableConfig } from '@langchain/langgraph';
import { createWebhookHandler, dispatchCustomEvent, generateSecret, webhookMiddleware, type WebhookMeta } from 'runwire';

/** What runwire delivers: canonical JSON, the LangChain event under `data`. */
interface AgentWebhook {
  /** `agent.custom`, `agent.tool.end`, `agent.chain.end`, … */
  type: string;
  timestamp: string;
  data: { event: string; name: string | null; run_id: string; data?: unknown; output?: unknown };
}

const secret = generateSecret();

// ---- The receiver: Express, verifying the raw bytes before anything parses them ----------------
const received: string[] = [];
const app = express();
app.post(
  '/hooks/agent',
  webhookMiddleware<AgentWebhook>({
    secrets: secret,
    onWebhook(payload: AgentWebhook, meta: WebhookMeta) {
      const line = `${payload.type} ${payload.data.name} ${JSON.stringify(payload.data.data ?? payload.data.output)}`;
      received.push(line);
      console.log(`receiver: verified ${meta.id} ${line}`);
    },
    onError: (error) => console.error('receiver: rejected', error),
  }),
);
const server = app.listen(0, '127.0.0.1');
await once(server, 'listening');
const { port } = server.address() as AddressInfo;

// ---- The sender: a LangGraph graph with runwire's handler attached at invoke time --------------
const handler = createWebhookHandler({
  sinks: [
    {
      name: 'receiver',
      url: `http://127.0.0.1:${port}/hooks/agent`,
      secret,
      urlPolicy: { profile: 'dev' }, // a local receiver: the default (safe) profile refuses http and loopback
      retryDelaysMs: [200, 1_000],
    },
  ],
  hooks: { onDeadLettered: (event) => console.error(`sender: dead-lettered ${event.id} (${event.reason})`) },
});

// A string-input tool: with @langchain/core 0.3 under `node10` resolution, a zod-schema tool()
// trips TypeScript's instantiation-depth limit inside LangChain's and zod's own types (TS2589).
const calculator = tool(
  async (expression: string) => {
    const [a, b] = expression.split('*').map(Number);
    return String(a * b);
  },
  { name: 'calculator', description: 'Multiplies, e.g. "6 * 7".' },
);

const State = Annotation.Root({
  question: Annotation<string>,
  product: Annotation<string>,
  answer: Annotation<string>,
});

const graph = new StateGraph(State)
  .addNode('calculate', async (state: typeof State.State, config: LangGraphRunnableConfig) => {
    await dispatchCustomEvent('progress', { step: 'calculate', question: state.question }, config);
    return { product: await calculator.invoke('6 * 7', config) };
  })
  .addNode('respond', async (state: typeof State.State, config: LangGraphRunnableConfig) => {
    await dispatchCustomEvent('progress', { step: 'respond' }, config);
    return { answer: `6 × 7 = ${state.product}` };
  })
  .addEdge(START, 'calculate')
  .addEdge('calculate', 'respond')
  .addEdge('respond', END)
  .compile();

const result = await graph.invoke({ question: 'What is 6 × 7?' }, { callbacks: [handler] });
console.log(`sender: graph answered "${result.answer}"`);

const stats = await handler.delivery.drain(10_000);
console.log(`sender: stats ${JSON.stringify({ accepted: stats.accepted, delivered: stats.delivered, dead_lettered: stats.dead_lettered, filtered: stats.filtered })}`);
console.log(`receiver: ${received.length} webhooks verified`);

server.closeAllConnections();
server.close();
