/** The root project's LangChain (@langchain/core 1.x, @langchain/langgraph 1.x). */
import { createRequire } from 'node:module';
import { loadLangChain } from './lib/lc-modules.mjs';

const require = createRequire(import.meta.url);
export default await loadLangChain((specifier) =>
  specifier.endsWith('.json') ? { default: require(specifier) } : import(specifier),
);
