/**
 * The web entry inside Cloudflare's workerd, with @langchain/core loaded there: the web-safe
 * differential scenarios (guide examples, no-config rejection, nested sequence, tool, filters,
 * ignoreCustomEvent, raiseError, run-not-found, generator lambda) run with @langchain/core's
 * web dispatch and with `runwire`'s (the package's `workerd` export), and must observe the same;
 * standalone `streamEvents` must match a RunnableLambda there too. LangChain is bundled with
 * esbuild (workerd loads modules from its config, not from node_modules).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startWorker, runwireWorkerdEntry, runwireModuleFiles, bundleForWorkerd } from '../support/workerd.mjs';

const SCENARIOS = [
  'guideStream',
  'guideCallbacks',
  'outsideRun',
  'explicitConfig',
  'nestedSequence',
  'customTool',
  'ignoreCustomEvent',
  'filters',
  'raiseError',
  'afterRunEnded',
  'generatorLambda',
  'streamV1',
  'bindingWithCallbacks',
];

function bundleLangChain() {
  return bundleForWorkerd(`
        export { RunnableLambda, RunnableSequence } from '@langchain/core/runnables';
        export { tool } from '@langchain/core/tools';
        export { BaseCallbackHandler } from '@langchain/core/callbacks/base';
        export { awaitAllCallbacks } from '@langchain/core/callbacks/promises';
        export { dispatchCustomEvent as coreDispatchWeb } from '@langchain/core/callbacks/dispatch/web';
        export { z } from 'zod';`);
}

const WORKER = (entry) => `
import * as rw from './${entry}';
import * as lcb from './lc-bundle.js';
import { makeScenarios } from './tests/langchain/lib/scenarios.mjs';
import { createNormalizer, recordView } from './tests/langchain/lib/normalize.mjs';

const lc = { ...lcb, version: 'bundled' };
const impls = {
  'core-web': { web: true, dispatch: lcb.coreDispatchWeb },
  'runwire-web': { web: true, dispatch: rw.dispatchCustomEvent },
};

async function standaloneGuide() {
  const body = (emit) => async (x, config) => {
    await emit('event1', { reversed: x.split('').reverse().join('') }, config);
    await emit('event2', 5, config);
    return x;
  };
  const collect = async (stream) => {
    const normalize = createNormalizer();
    const out = [];
    for await (const r of stream) out.push(recordView(normalize, r));
    return out;
  };
  return {
    langchain: await collect(await lcb.RunnableLambda.from(body(lcb.coreDispatchWeb)).streamEvents('hello world', { version: 'v2' })),
    runwire: await collect(rw.streamEvents(body(rw.dispatchCustomEvent), 'hello world')),
  };
}

export default {
  async fetch() {
    const scenarios = makeScenarios(lc);
    const out = { target: rw.target, scenarios: {} };
    for (const name of ${JSON.stringify(SCENARIOS)}) {
      out.scenarios[name] = {};
      for (const [key, impl] of Object.entries(impls)) {
        try {
          out.scenarios[name][key] = await scenarios[name](impl);
        } catch (error) {
          out.scenarios[name][key] = { threw: String((error && error.stack) || error) };
        }
      }
    }
    out.standalone = await standaloneGuide();
    return Response.json(out);
  },
};
`;

test('web entry in workerd with @langchain/core: same observations as core web dispatch', async () => {
  const entry = runwireWorkerdEntry();
  const worker = await startWorker({
    main: 'worker.js',
    files: [
      ...runwireModuleFiles(),
      'tests/langchain/lib/scenarios.mjs',
      'tests/langchain/lib/normalize.mjs',
    ],
    extraModules: { 'worker.js': WORKER(entry), 'lc-bundle.js': await bundleLangChain() },
  });
  try {
    const response = await fetch(worker.url);
    assert.equal(response.status, 200, `${await response.clone().text()}\n${worker.output()}`);
    const out = await response.json();
    assert.equal(out.target, 'wasm');
    for (const name of SCENARIOS) {
      const { 'core-web': expected, 'runwire-web': actual } = out.scenarios[name];
      assert.ok(!('threw' in expected), `${name} (core) threw in workerd: ${expected.threw}`);
      assert.deepStrictEqual(actual, expected, name);
    }
    const guide = out.scenarios.guideStream['core-web'].records;
    assert.deepEqual(
      guide.map((r) => r.record.event),
      ['on_chain_start', 'on_custom_event', 'on_custom_event', 'on_chain_stream', 'on_chain_end'],
    );
    assert.match(out.scenarios.outsideRun['runwire-web'].results.noConfig[2], /^Unable to dispatch a custom event/);
    assert.deepStrictEqual(out.standalone.runwire, out.standalone.langchain);
    assert.equal(out.standalone.runwire.length, 5);
  } finally {
    await worker.stop();
  }
});
