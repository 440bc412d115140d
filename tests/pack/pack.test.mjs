/**
 * What users install: `npm pack` of npm/runwire and of this machine's platform package
 * (npm/<platform>, as npm would pick it from runwire's optionalDependencies), installed into a
 * throwaway project outside the repository, must sign and verify in Node (the addon from the
 * platform package, by `import` and by `require`) and in workerd (the web build, resolved
 * through the package's own `workerd` export). A second project installs runwire alone, as on
 * a platform with no addon package: Node falls back to the WebAssembly engine with one warning. arethetypeswrong must find the
 * types right for both entries under every module resolution.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { bin, packageDir, repoRoot, run } from '../support/paths.mjs';
import { resolveExport, WORKERD_CONDITIONS } from '../support/exports.mjs';
import { moduleFiles, startWorker } from '../support/workerd.mjs';

const [platform] = createRequire(import.meta.url)(join(packageDir, 'node', 'platform.cjs')).candidates();
let project;
let tarball;
let bare;

async function pack(dir, destination) {
  const { stdout } = await run('npm', ['pack', '--silent', '--pack-destination', destination], { cwd: dir });
  return `./${stdout.trim().split('\n').at(-1)}`;
}

async function throwawayProject(prefix, tarballs) {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'throwaway', private: true, type: 'module' }));
  const local = [];
  for (const source of tarballs) local.push(await pack(source, dir));
  if (tarball === undefined) tarball = local[0];
  await run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error', ...local], { cwd: dir });
  return dir;
}

before(async () => {
  project = await throwawayProject('runwire-pack-', [packageDir, join(repoRoot, 'npm', platform)]);
  bare = await throwawayProject('runwire-pack-bare-', [packageDir]);
});

after(() => {
  for (const dir of [project, bare]) if (dir) rmSync(dir, { recursive: true, force: true });
});

const SIGN_AND_VERIFY = `
  const secret = rw.generateSecret();
  const body = JSON.stringify({ type: 'agent.tool.end', data: { output: 'café ☕' } });
  const headers = rw.signWebhook(body, { id: 'run-1:on_tool_end:0', secrets: secret });
  const verified = rw.verifyWebhook(body, headers, secret);
  let tampered = null;
  try { rw.verifyWebhook(body + ' ', headers, secret); } catch (e) { tampered = e.code; }
  const result = { target: rw.target, verified, tampered };`;

test('the packed tarballs: runwire ships the loaders, the web build and the types; the addon is in its platform package', () => {
  const files = readdirSync(join(project, 'node_modules', 'runwire'), { recursive: true });
  for (const expected of ['index.d.ts', 'index.d.cts', 'node/index.js', 'node/index.cjs', 'node/native.cjs', 'node/platform.cjs', 'web/node.cjs', 'web/pkg/runwire_wasm_bg.wasm']) {
    assert.ok(files.includes(expected), `${expected} is in the package`);
  }
  assert.ok(!files.some((f) => f.endsWith('.rs')), 'no Rust sources in the package');
  assert.ok(!files.some((f) => f.endsWith('.node')), 'no addon in the main package');
  const addon = readdirSync(join(project, 'node_modules', `runwire-${platform}`)).sort();
  assert.deepEqual(addon, ['package.json', `runwire.${platform}.node`]);
});

test('the installed package has the runwire CLI (npx runwire)', async () => {
  const { stdout } = await run('npx', ['--no-install', 'runwire', '--help'], { cwd: project });
  assert.match(stdout, /usage: runwire <command>/);
  for (const command of ['listen', 'replay', 'dlq']) assert.match(stdout, new RegExp(`\\n  ${command} `));
});

test('installed package signs and verifies in Node (addon), via import and require', async () => {
  writeFileSync(join(project, 'esm.mjs'), `import * as rw from 'runwire';${SIGN_AND_VERIFY} console.log(JSON.stringify(result));`);
  writeFileSync(join(project, 'cjs.cjs'), `const rw = require('runwire');${SIGN_AND_VERIFY} console.log(JSON.stringify(result));`);
  for (const script of ['esm.mjs', 'cjs.cjs']) {
    const { stdout } = await run(process.execPath, [script], { cwd: project });
    const result = JSON.parse(stdout);
    assert.equal(result.target, 'node-addon', script);
    assert.equal(result.verified.scheme, 'standard');
    assert.equal(result.verified.id, 'run-1:on_tool_end:0');
    assert.equal(result.tampered, 'ERR_RUNWIRE_SIGNATURE_MISMATCH');
  }
});

test('installed package: require() of runwire/web gets the web build (CommonJS entry)', async () => {
  writeFileSync(join(project, 'web.cjs'), `const rw = require('runwire/web');${SIGN_AND_VERIFY} console.log(JSON.stringify(result));`);
  const result = JSON.parse((await run(process.execPath, ['web.cjs'], { cwd: project })).stdout);
  assert.equal(result.target, 'wasm');
  assert.equal(result.verified.scheme, 'standard');
  assert.equal(result.tampered, 'ERR_RUNWIRE_SIGNATURE_MISMATCH');
});

test('arethetypeswrong: no problem for runwire and runwire/web under node10, node16 (CJS, ESM) and bundler', async () => {
  // The strict profile checks all four resolutions; --no-definitely-typed keeps it offline.
  let report;
  try {
    report = (await run(bin('attw'), [tarball, '--format', 'json', '--no-definitely-typed'], { cwd: project })).stdout;
  } catch (error) {
    assert.fail(`attw reported problems:\n${error.message}`);
  }
  const { analysis } = JSON.parse(report);
  assert.deepEqual(analysis.problems, []);
  const entrypoints = analysis.entrypoints;
  assert.deepEqual(Object.keys(entrypoints).sort(), ['.', './package.json', './web']);
  for (const entry of ['.', './web']) {
    const { resolutions } = entrypoints[entry];
    assert.deepEqual(Object.keys(resolutions).sort(), ['bundler', 'node10', 'node16-cjs', 'node16-esm']);
    for (const [kind, { resolution }] of Object.entries(resolutions)) {
      assert.ok(resolution?.fileName?.endsWith(kind === 'node16-cjs' ? '/index.d.cts' : '/index.d.ts'), `${entry} ${kind}: ${resolution?.fileName}`);
    }
  }
});

test('installed without a platform package, Node falls back to WebAssembly: one warning, same API', async () => {
  writeFileSync(join(bare, 'esm.mjs'), `import * as rw from 'runwire';
    import { createRequire } from 'node:module';
    const again = createRequire(import.meta.url)('runwire');${SIGN_AND_VERIFY}
    console.log(JSON.stringify({ ...result, same: again === rw }));`);
  const { stdout, stderr } = await run(process.execPath, ['esm.mjs'], { cwd: bare });
  const result = JSON.parse(stdout);
  assert.equal(result.target, 'wasm');
  assert.ok(result.same, 'import and require() give the same module');
  assert.equal(result.verified.scheme, 'standard');
  assert.equal(result.tampered, 'ERR_RUNWIRE_SIGNATURE_MISMATCH');
  assert.equal(stderr.match(/\[RUNWIRE_WASM_FALLBACK\]/g)?.length, 1, stderr);
  assert.match(stderr, new RegExp(`no native addon for ${process.platform}-${process.arch} \\(tried runwire-${platform}`));
});

test('installed package signs and verifies in workerd (web build via the workerd export)', async () => {
  const pkg = join(project, 'node_modules', 'runwire');
  const entry = join('node_modules/runwire', resolveExport(pkg, '.', WORKERD_CONDITIONS));
  assert.match(entry, /web\/workerd\.js$/);
  const worker = await startWorker({
    baseDir: project,
    main: 'worker.js',
    files: moduleFiles({ baseDir: project }, 'node_modules/runwire/src', 'node_modules/runwire/web'),
    extraModules: {
      'worker.js': `import * as rw from './${entry}';
        export default { async fetch() { ${SIGN_AND_VERIFY} return Response.json(result); } };`,
    },
  });
  try {
    const result = await (await fetch(worker.url)).json();
    assert.equal(result.target, 'wasm');
    assert.equal(result.verified.scheme, 'standard');
    assert.equal(result.tampered, 'ERR_RUNWIRE_SIGNATURE_MISMATCH');
  } finally {
    await worker.stop();
  }
});
