/**
 * index.d.ts is the single source of truth for the API, and it is checked, not trusted:
 * - `runwire` (addon) and `runwire/web` (wasm) export the same names with the same kinds;
 * - for each entry, imported (ESM) and required (CommonJS), the declarations TypeScript resolves
 *   for it (the exports map's `types` conditions, resolved by TypeScript itself) declare exactly
 *   the runtime's exports: every runtime export has a declared value of the same kind (function
 *   or constant) and no more positional parameters than declared, and every declared value
 *   exists at runtime. Types and interfaces have no runtime counterpart and are not compared.
 * - index.d.cts (CommonJS consumers) is the build's byte copy of index.d.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { packageDir, repoRoot } from '../support/paths.mjs';

const require = createRequire(import.meta.url);
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

/** The declared values of the module TypeScript resolves `specifier` to, as `{ name: { kind, params } }`. */
function declaredValues(specifier, mode) {
  const options = {
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    strict: true,
    noEmit: true,
    types: [],
  };
  const containing = join(repoRoot, 'tests', 'api', 'consumer.ts');
  const resolved = ts.resolveModuleName(specifier, containing, options, ts.sys, undefined, undefined, mode).resolvedModule;
  assert.ok(resolved, `TypeScript resolves ${specifier}`);
  const program = ts.createProgram([resolved.resolvedFileName], options);
  const checker = program.getTypeChecker();
  const module = checker.getSymbolAtLocation(program.getSourceFile(resolved.resolvedFileName));
  const values = {};
  for (const symbol of checker.getExportsOfModule(module)) {
    if (!(symbol.flags & ts.SymbolFlags.Value)) continue;
    const signatures = checker.getTypeOfSymbol(symbol).getCallSignatures();
    values[symbol.name] = {
      kind: symbol.flags & (ts.SymbolFlags.Function | ts.SymbolFlags.Class) ? 'function' : 'constant',
      params: Math.max(0, ...signatures.map((s) => s.getParameters().length)),
    };
  }
  return { file: resolved.resolvedFileName, values };
}

for (const specifier of ['runwire', 'runwire/web']) {
  for (const [format, mode, load] of [
    ['import', ts.ModuleKind.ESNext, (s) => import(s)],
    ['require', ts.ModuleKind.CommonJS, (s) => require(s)],
  ]) {
    test(`${format} '${specifier}': the declarations TypeScript resolves are exactly the runtime exports`, async () => {
      const { file, values } = declaredValues(specifier, mode);
      assert.equal(file.endsWith(format === 'require' ? 'index.d.cts' : 'index.d.ts'), true, file);
      const runtime = await load(specifier);
      assert.deepEqual(sorted(Object.keys(values)), sorted(Object.keys(runtime)), 'declared values = runtime exports');
      for (const [name, value] of Object.entries(runtime)) {
        const kind = typeof value === 'function' ? 'function' : 'constant';
        assert.equal(values[name].kind, kind, `${name} is declared as a ${kind}`);
        if (kind === 'function') {
          assert.ok(value.length <= values[name].params, `${name} takes ${value.length} arguments, ${values[name].params} declared`);
        }
      }
    });
  }
}

test('index.d.cts is the build\'s copy of index.d.ts (run `bash scripts/build.sh` after editing the types)', () => {
  assert.equal(readFileSync(join(packageDir, 'index.d.cts'), 'utf8'), readFileSync(join(packageDir, 'index.d.ts'), 'utf8'));
});
