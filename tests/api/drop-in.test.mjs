/**
 * Drop-in exactness of the LangChain-facing surface:
 * - every function runwire and runwire/web export is named as it is exported (so stack traces,
 *   `fn.name` checks and loggers see `dispatchCustomEvent`, never an internal name);
 * - `dispatchCustomEvent` has the `name` and `length` of @langchain/core's, on both lines the
 *   project tests (1.x at the root, 0.3.x in tests/langchain/v03), for both entries;
 * - the `ensureConfig` rules are read from the installed core's version (node/langchain-rules.js),
 *   with the release boundaries read from the published packages.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { rulesForVersion, langchainRules } from '../../npm/runwire/node/langchain-rules.js';

const lines = {
  root: createRequire(new URL('../../package.json', import.meta.url)),
  v03: createRequire(new URL('../langchain/v03/package.json', import.meta.url)),
};

async function coreModule(line, specifier) {
  return import(pathToFileURL(lines[line].resolve(specifier)).href);
}

for (const entry of ['runwire', 'runwire/web']) {
  test(`${entry}: every exported function is named as exported`, async () => {
    const mod = await import(entry);
    const functions = Object.entries(mod).filter(([, v]) => typeof v === 'function');
    assert.ok(functions.length >= 15);
    for (const [name, fn] of functions) assert.equal(fn.name, name, `${entry}.${name}.name`);
  });
}

for (const line of Object.keys(lines)) {
  for (const [entry, specifier] of [
    ['runwire', '@langchain/core/callbacks/dispatch'],
    ['runwire/web', '@langchain/core/callbacks/dispatch/web'],
  ]) {
    test(`${entry}.dispatchCustomEvent looks like ${specifier} (${line})`, async () => {
      const core = (await coreModule(line, specifier)).dispatchCustomEvent;
      const ours = (await import(entry)).dispatchCustomEvent;
      assert.equal(ours.name, core.name);
      assert.equal(ours.length, core.length);
    });
  }
}

test('ensureConfig rules follow the release boundaries', () => {
  const cases = [
    ['0.3.80', false, true],
    ['1.0.2', false, true],
    ['1.1.4', false, true],
    ['1.1.5', true, true],
    ['1.1.39', true, true],
    ['1.1.40', true, false],
    ['1.4.0', true, false],
    ['2.0.0-rc.1', true, false],
  ];
  for (const [version, timeoutMetadata, configurableMetadata] of cases) {
    const rules = rulesForVersion(version);
    assert.deepEqual([rules.timeoutMetadata, rules.configurableMetadata], [timeoutMetadata, configurableMetadata], version);
  }
  const unknown = rulesForVersion(undefined);
  assert.deepEqual([unknown.timeoutMetadata, unknown.configurableMetadata], [true, false], 'unknown version: newest rules');
});

test('the rules come from the core that built the manager, not from its run id', async () => {
  for (const [line, version] of [
    ['root', '1.4.0'],
    ['v03', '0.3.80'],
  ]) {
    const { CallbackManager } = await coreModule(line, '@langchain/core/callbacks/manager');
    // A UUIDv4 parent id on 1.x and a UUIDv7 one on 0.3: the id must not matter.
    const id = line === 'root' ? '1b9d6bcd-bbfd-4b2d-9b5d-ab8dfbbd4bed' : '01a20af6-2c46-766d-bd3e-a2bdbc31d9e0';
    const rules = langchainRules(new CallbackManager(id));
    assert.equal(rules.version, version);
  }
  assert.equal(langchainRules({ getParentRunId: () => 'x' }).version, undefined);
  assert.equal(langchainRules(undefined).version, undefined);
});
