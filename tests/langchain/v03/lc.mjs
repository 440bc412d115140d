/** This directory's LangChain (@langchain/core 0.3.80, @langchain/langgraph 0.4.10). */
import { createRequire } from 'node:module';
import { loadLangChain } from '../lib/lc-modules.mjs';

const require = createRequire(import.meta.url);
export default await loadLangChain((specifier) =>
  specifier.endsWith('.json') ? { default: require(specifier) } : import(specifier),
);
