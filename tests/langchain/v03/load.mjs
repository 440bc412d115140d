/** Imports resolved from this directory: @langchain/core 0.3.x, @langchain/langgraph 0.4.x. */
export const load = (specifier) => import(specifier);
