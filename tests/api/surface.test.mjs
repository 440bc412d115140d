/**
 * Both entries expose the same API, and index.d.ts declares exactly that API: the names
 * exported by `runwire` (addon) and `runwire/web` (wasm) are equal, and equal to the
 * `export declare` names in the package's types.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageDir } from '../support/paths.mjs';

const sorted = (names) => [...names].sort();

test('runwire and runwire/web export the same names with the same kinds', async () => {
  const node = await import('runwire');
  const web = await import('runwire/web');
  assert.deepEqual(sorted(Object.keys(node)), sorted(Object.keys(web)));
  for (const name of Object.keys(node)) {
    assert.equal(typeof node[name], typeof web[name], name);
    if (typeof node[name] === 'function') assert.equal(node[name].length, web[name].length, `${name}.length`);
  }
});

test('index.d.ts declares exactly the runtime exports', async () => {
  const dts = readFileSync(join(packageDir, 'index.d.ts'), 'utf8');
  const declared = new Set([...dts.matchAll(/^export declare (?:function|const|class) (\w+)/gm)].map((m) => m[1]));
  const runtime = Object.keys(await import('runwire'));
  assert.deepEqual(sorted(declared), sorted(runtime));
});
