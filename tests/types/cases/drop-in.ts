/**
 * The drop-in promises, checked against the installed @langchain/core and @langchain/langgraph
 * (the test compiles this file against 1.4.0 / 1.7.3 and against 0.3.80 / 0.4.10):
 * - runwire's `dispatchCustomEvent` (both entries) is assignable to `typeof` core's, and accepts
 *   whatever config a runnable, a tool or a LangGraph node receives;
 * - the webhook handler is accepted wherever LangChain and LangGraph take `callbacks`;
 * - a LangChain handler class is accepted where runwire takes handlers.
 */
import { RunnableLambda, type RunnableConfig } from '@langchain/core/runnables';
import { BaseCallbackHandler, type CallbackHandlerMethods } from '@langchain/core/callbacks/base';
import type { Callbacks } from '@langchain/core/callbacks/manager';
import * as coreDispatch from '@langchain/core/callbacks/dispatch';
import * as coreDispatchWeb from '@langchain/core/callbacks/dispatch/web';
import { Annotation, END, START, StateGraph, type LangGraphRunnableConfig } from '@langchain/langgraph';
import * as node from 'runwire';
import * as web from 'runwire/web';

// Type-level drop-in: every call that compiles with core's dispatch compiles with runwire's.
export const fromNode: typeof coreDispatch.dispatchCustomEvent = node.dispatchCustomEvent;
export const fromWeb: typeof coreDispatchWeb.dispatchCustomEvent = web.dispatchCustomEvent;
export const crossed: typeof coreDispatch.dispatchCustomEvent = web.dispatchCustomEvent;

// A lambda's own config, LangChain's RunnableConfig and LangGraph's config are all accepted.
const reverse = RunnableLambda.from(async (input: string, config) => {
  await web.dispatchCustomEvent('progress', { input }, config);
  await node.dispatchCustomEvent('progress', { input });
  return input.split('').reverse().join('');
});
declare const runnableConfig: RunnableConfig;
declare const graphConfig: LangGraphRunnableConfig;
await web.dispatchCustomEvent('progress', 1, runnableConfig);
await web.dispatchCustomEvent('progress', 1, graphConfig);
await web.dispatchCustomEvent('progress', 1, { ...runnableConfig, runName: 'step' });

// The webhook handler goes wherever LangChain and LangGraph take `callbacks`.
const handler = node.createWebhookHandler({
  sinks: [{ url: 'https://hooks.example.com/agent', secret: node.generateSecret() }],
});
const webHandler = web.createDelivery({ sinks: [{ send: async () => true }] }).handler({ name: 'edge' });
export const asMethods: CallbackHandlerMethods = handler;
export const asCallbacks: Callbacks = [handler, webHandler];
await reverse.invoke('hello', { callbacks: [handler] });
for await (const event of reverse.streamEvents('hello', { version: 'v2', callbacks: [handler, webHandler] })) {
  void event.event;
}

const State = Annotation.Root({ question: Annotation<string>, answer: Annotation<string> });
const graph = new StateGraph(State)
  .addNode('answer', async (state: typeof State.State, config: LangGraphRunnableConfig) => {
    await web.dispatchCustomEvent('progress', { step: 'answer' }, config);
    return { answer: `${state.question}!` };
  })
  .addEdge(START, 'answer')
  .addEdge('answer', END)
  .compile();
const result = await graph.invoke({ question: 'why' }, { callbacks: [handler] });
export const answer: string = result.answer;
await handler.delivery.drain(1_000);

// emit has dispatch's type too, and a tapped graph keeps the graph's own type.
export const emits: typeof coreDispatch.dispatchCustomEvent = node.emit;
const tapped = web.tapCustomStream(graph, handler, { name: 'writer' });
export const tappedAnswer: string = (await tapped.invoke({ question: 'why' }, { callbacks: [webHandler] })).answer;
// @ts-expect-error a misspelt tap option
web.tapCustomStream(graph, handler, { nmae: 'writer' });

// And the other way: LangChain handlers are runwire handlers.
class Progress extends BaseCallbackHandler {
  name = 'progress';
  override async handleCustomEvent(eventName: string, data: unknown) {
    void [eventName, data];
  }
}
for await (const record of node.streamEvents(async (q: string) => q, 'why', { callbacks: [new Progress()] })) {
  void record.run_id;
}

// @ts-expect-error a handler is not a config
await web.dispatchCustomEvent('progress', 1, handler);
// @ts-expect-error a misspelt handler option
node.createWebhookHandler({ sinks: [], forwardUnamedChains: true });
