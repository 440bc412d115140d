/**
 * Where the Node entry finds the current run without being told (shared/spec/langchain-events.md
 * §5): LangChain's AsyncLocalStorage in the global slot `Symbol.for("ls:tracing_async_local_storage")`
 * (its store's `extra[Symbol.for("lc:child_config")]` is the RunnableConfig), and runwire's own
 * AsyncLocalStorage for standalone runs.
 *
 * Importing this module installs a fresh AsyncLocalStorage in LangChain's slot if, and only if,
 * the slot is empty — exactly what importing `@langchain/core/callbacks/dispatch` does — so that
 * runs started afterwards store their config (a run started with no instance stores nothing).
 *
 * Which one wins when both hold a store: the innermost. A standalone scope remembers the
 * LangChain store that was current when it was entered; if that is still the current LangChain
 * store, no LangChain run started inside the scope, so the scope is innermost.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

const SLOT = Symbol.for('ls:tracing_async_local_storage');
const CHILD_CONFIG = Symbol.for('lc:child_config');

if (globalThis[SLOT] === undefined) globalThis[SLOT] = new AsyncLocalStorage();

const own = new AsyncLocalStorage();

function langchainStore() {
  return globalThis[SLOT]?.getStore?.();
}

/** The current run's config: a standalone scope's, LangChain's, or `undefined`. */
export function currentConfig() {
  const lc = langchainStore();
  const mine = own.getStore();
  if (mine !== undefined && mine.lcStore === lc) return mine.config;
  return lc?.extra?.[CHILD_CONFIG];
}

/** The innermost standalone scope's config, if a standalone run is innermost. */
export function currentScopeConfig() {
  const mine = own.getStore();
  if (mine !== undefined && mine.lcStore === langchainStore()) return mine.config;
  return undefined;
}

/** Runs `fn` inside a standalone run scope. */
export function enter(config, fn) {
  return own.run({ config, lcStore: langchainStore() }, fn);
}

/** Runs a handler with no run scope visible, as LangChain's consumeCallback does. */
export function isolate(fn) {
  return own.exit(fn);
}

/** The `ensureConfig` rules of the @langchain/core that built a run's callback manager. */
export { langchainRules } from './langchain-rules.js';
