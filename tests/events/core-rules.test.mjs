/**
 * The JS glue builds records itself (one object literal per event, no native call); this proves
 * it follows the core's rules on both builds: every record layout the glue emits equals the
 * core's `recordLayout`, run ids are the core's monotonic UUIDv7s, and the filter the glue calls
 * answers the same on the addon and the web build.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import 'runwire/web';
import * as wasm from '../../npm/runwire/web/pkg/runwire_wasm.js';
import { sampleRecords } from '../../npm/runwire/src/events/records.js';
import { CallbackManager } from '@langchain/core/callbacks/manager';

const addon = createRequire(import.meta.url)('../../npm/runwire/node/native.cjs');
const builds = { addon, wasm };
const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

for (const [name, native] of Object.entries(builds)) {
  test(`${name}: glue record layouts equal the core's`, () => {
    const records = sampleRecords();
    assert.equal(records.length, 4);
    for (const record of records) assert.deepEqual(Object.keys(record), native.recordLayout(record.event), record.event);
    assert.deepEqual(native.recordLayout('on_tool_start'), ['event', 'data', 'name', 'run_id', 'tags', 'metadata']);
    assert.throws(() => native.recordLayout('on_nothing'), { code: 'ERR_RUNWIRE_INVALID_ARGUMENT' });
  });

  test(`${name}: run ids are monotonic UUIDv7`, () => {
    let previous = '';
    for (let i = 0; i < 5000; i++) {
      const id = native.newRunId();
      assert.match(id, UUID_V7);
      assert.ok(id > previous, `${id} > ${previous}`);
      previous = id;
    }
    const ms = parseInt(previous.replaceAll('-', '').slice(0, 12), 16);
    assert.ok(Math.abs(ms - Date.now()) < 60_000, 'timestamp is the clock');
  });
}

test('includeRun answers the same on both builds (the §7.2 table)', () => {
  const runs = [
    ['stepA', 'chain', ['seq:step:1', 'a-tag']],
    ['stepB', 'chain', ['seq:step:2']],
    ['t', 'tool', []],
  ];
  const filters = [
    [null, null, null, null, null, null],
    [['stepA'], null, null, null, null, null],
    [['a_event'], null, null, null, null, null],
    [null, ['chain'], null, null, null, null],
    [null, null, ['a-tag'], null, null, null],
    [null, null, null, ['stepA'], null, null],
    [null, null, null, null, ['chain'], null],
    [null, null, null, null, null, ['a-tag']],
    [[], null, null, null, null, null],
    [['t'], null, ['a-tag'], null, ['tool'], null],
  ];
  const table = (native) => filters.map((f) => runs.map(([n, type, tags]) => native.includeRun(...f, n, type, tags)));
  const expected = [
    [true, true, true],
    [true, false, false],
    [false, false, false],
    [true, true, false],
    [true, false, false],
    [false, true, true],
    [false, false, true],
    [false, true, true],
    [false, false, false],
    [true, false, false],
  ];
  assert.deepEqual(table(addon), expected);
  assert.deepEqual(table(wasm), expected);
});

test('runTags is LangChain\'s addTags on both builds', () => {
  const cases = [
    [[], []],
    [[], ['a']],
    [['a', 'b', 'c'], ['b']],
    [['root-tag'], ['inner-tag', 'root-tag']],
    [['x', 'y'], ['y', 'x', 'z']],
    [[], ['a', 'a']],
  ];
  for (const [inherited, own] of cases) {
    const manager = new CallbackManager();
    manager.addTags(inherited);
    manager.addTags(own);
    assert.deepEqual(addon.runTags(inherited, own), manager.tags, `${inherited} + ${own}`);
    assert.deepEqual(wasm.runTags(inherited, own), manager.tags, `${inherited} + ${own}`);
  }
});
