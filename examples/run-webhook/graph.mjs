/**
 * A LangGraph.js graph, unchanged by runwire: plan → research (a subgraph) → approve, which
 * waits for a human with `interrupt()`. Checkpointed in memory, so a thread can be resumed.
 */
import { StateGraph, Annotation, MemorySaver, START, END, interrupt } from '@langchain/langgraph';

const Research = Annotation.Root({ topic: Annotation(), found: Annotation() });
const State = Annotation.Root({
  steps: Annotation({ reducer: (a, b) => a.concat(b), default: () => [] }),
  topic: Annotation(),
  found: Annotation(),
  approved: Annotation(),
});

const research = new StateGraph(Research)
  .addNode('search', async ({ topic }) => ({ found: `3 sources on ${topic}` }))
  .addEdge(START, 'search')
  .addEdge('search', END)
  .compile();

export const graph = new StateGraph(State)
  .addNode('plan', async () => ({ steps: ['planned'] }))
  .addNode('research', research)
  .addNode('approve', async ({ topic }) => {
    if (topic === 'forbidden') throw new RangeError('topic not allowed');
    return { approved: interrupt({ question: `publish the report on ${topic}?` }), steps: ['approved'] };
  })
  .addEdge(START, 'plan')
  .addEdge('plan', 'research')
  .addEdge('research', 'approve')
  .addEdge('approve', END)
  .compile({ checkpointer: new MemorySaver() });
