/**
 * Collects the LangChain modules a scenario needs, from whichever `import()` the caller passes:
 * module resolution happens in the caller's file, so tests/langchain/lc.mjs loads the root
 * project's @langchain/core 1.x and tests/langchain/v03/lc.mjs the 0.3.x one.
 */
export async function loadLangChain(load) {
  const [runnables, tools, base, promises, dispatch, dispatchWeb, zod, langgraph, pkg] = await Promise.all([
    load('@langchain/core/runnables'),
    load('@langchain/core/tools'),
    load('@langchain/core/callbacks/base'),
    load('@langchain/core/callbacks/promises'),
    load('@langchain/core/callbacks/dispatch'),
    load('@langchain/core/callbacks/dispatch/web'),
    load('zod'),
    load('@langchain/langgraph'),
    load('@langchain/core/package.json'),
  ]);
  return {
    version: pkg.default.version,
    RunnableLambda: runnables.RunnableLambda,
    RunnableSequence: runnables.RunnableSequence,
    tool: tools.tool,
    BaseCallbackHandler: base.BaseCallbackHandler,
    awaitAllCallbacks: promises.awaitAllCallbacks,
    coreDispatch: dispatch.dispatchCustomEvent,
    coreDispatchWeb: dispatchWeb.dispatchCustomEvent,
    z: zod.z,
    StateGraph: langgraph.StateGraph,
    Annotation: langgraph.Annotation,
    START: langgraph.START,
    END: langgraph.END,
  };
}
