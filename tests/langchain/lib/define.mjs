/**
 * Defines the differential test suite for one LangChain version: every scenario runs with
 * @langchain/core's dispatch and with runwire's (Node entries, then web entries with explicit
 * config), and the observations must be identical.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { makeScenarios, ENV_SCENARIOS } from './scenarios.mjs';
import { implementations } from './impls.mjs';

const run = promisify(execFile);
// Scenarios where seeing no custom event is the behaviour under test (no run; pitfall 1).
const QUIET = new Set(['outsideRun:core', 'outsideRun:core-web', 'generatorLambda:core']);
const CHILD = fileURLToPath(new URL('./child.mjs', import.meta.url));

async function inChild(lcPath, scenario, impl, env) {
  const { stdout } = await run(process.execPath, [CHILD, lcPath, scenario, impl], {
    env: { ...process.env, ...env },
    timeout: 60_000,
  });
  return JSON.parse(stdout);
}

/** Checks an observation is not vacuous: the scenario saw custom events at all. */
function assertSawEvents(observation, scenario) {
  const text = JSON.stringify(observation);
  assert.ok(text.includes('on_custom_event') || text.includes('"custom"') || text.includes('handler'), `${scenario}: no events observed`);
}

/**
 * Pins what core itself did with a user-supplied run id, so the equality above is not vacuous:
 * the metadata follows the installed core's rules, whatever the id's UUID version.
 */
function assertRunIdRules(observation, version, web) {
  const [major, minor, patch] = version.split('.').map(Number);
  const newer = (m, n, p) => major !== m ? major > m : minor !== n ? minor > n : patch >= p;
  // Handlers get the metadata object by reference and core mutates it in place, so later
  // dispatches may show keys added by earlier ones: check the keys each rule adds.
  const meta = observation.metadata;
  assert.equal(observation.runIdKept, true, 'handler saw the user-supplied run id');
  if (web) {
    // The web entry never runs ensureConfig: timeout and configurable leave metadata alone.
    assert.equal(meta.timeout.timeoutMs, undefined);
    assert.equal(meta.configurable.user, undefined);
    return;
  }
  assert.equal(meta.timeout.timeoutMs, newer(1, 1, 5) ? 1000 : undefined);
  assert.equal(meta.configurable.model, 'm-2');
  const copied = !newer(1, 1, 40);
  assert.equal(meta.configurable.user, copied ? 'u1' : undefined);
  assert.equal(meta.configurable.obj, undefined);
  assert.equal(meta.inherited.thread_id, copied ? 'T1' : undefined);
}

export function defineDifferentialTests(lc, lcPath, expectedMajor) {
  const scenarios = makeScenarios(lc);
  const impls = implementations(lc);

  test(`@langchain/core ${lc.version} is the version under test`, () => {
    assert.equal(lc.version.split('.')[0] === '0' ? lc.version.split('.').slice(0, 2).join('.') : lc.version.split('.')[0], expectedMajor);
  });

  for (const name of Object.keys(scenarios)) {
    if (ENV_SCENARIOS.includes(name)) continue;
    for (const [reference, candidate] of [
      ['core', 'runwire'],
      ['core-web', 'runwire-web'],
    ]) {
      test(`${lc.version} ${name}: ${candidate} = ${reference}`, async () => {
        const expected = await scenarios[name](impls[reference]);
        const actual = await scenarios[name](impls[candidate]);
        if (!QUIET.has(`${name}:${reference}`)) assertSawEvents(expected, name);
        assert.deepStrictEqual(actual, expected);
        if (name === 'userRunIdV4' || name === 'userRunIdV7') assertRunIdRules(expected, lc.version, reference === 'core-web');
        if (name === 'langgraphSubgraph') {
          // G5: each event belongs to its node's run, with that node's langgraph_* metadata.
          assert.deepEqual(expected.attribution, [
            ['first_event', 'first', 'first', ['graph:step:1']],
            ['sub_event', 'sub_node', 'sub_node', ['graph:step:1']],
          ]);
        }
      });
    }
  }

  for (const name of ENV_SCENARIOS) {
    for (const background of [undefined, 'false']) {
      const env = background === undefined ? {} : { LANGCHAIN_CALLBACKS_BACKGROUND: background };
      for (const [reference, candidate] of [
        ['core', 'runwire'],
        ['core-web', 'runwire-web'],
      ]) {
        test(`${lc.version} ${name} (LANGCHAIN_CALLBACKS_BACKGROUND=${background ?? 'unset'}): ${candidate} = ${reference}`, async () => {
          const childEnv = { ...env };
          if (background === undefined) childEnv.LANGCHAIN_CALLBACKS_BACKGROUND = '';
          const [expected, actual] = [
            await inChild(lcPath, name, reference, childEnv),
            await inChild(lcPath, name, candidate, childEnv),
          ];
          assert.deepStrictEqual(actual, expected);
          assert.ok(expected.log.length >= 8);
        });
      }
    }
  }
}
