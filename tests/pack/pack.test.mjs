/**
 * What users install: `npm pack` of npm/runwire, installed into a throwaway project outside the
 * repository, must sign and verify in Node (the addon, by `import` and by `require`) and in
 * workerd (the web build, resolved through the package's own `workerd` export).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packageDir, run } from '../support/paths.mjs';
import { resolveExport, WORKERD_CONDITIONS } from '../support/exports.mjs';
import { moduleFiles, startWorker } from '../support/workerd.mjs';

let project;

before(async () => {
  project = mkdtempSync(join(tmpdir(), 'runwire-pack-'));
  const { stdout } = await run('npm', ['pack', '--silent', '--pack-destination', project], { cwd: packageDir });
  const tarball = stdout.trim().split('\n').at(-1);
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'throwaway', private: true, type: 'module' }));
  await run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error', `./${tarball}`], { cwd: project });
});

after(() => rmSync(project, { recursive: true, force: true }));

const SIGN_AND_VERIFY = `
  const secret = rw.generateSecret();
  const body = JSON.stringify({ type: 'agent.tool.end', data: { output: 'café ☕' } });
  const headers = rw.signWebhook(body, { id: 'run-1:on_tool_end:0', secrets: secret });
  const verified = rw.verifyWebhook(body, headers, secret);
  let tampered = null;
  try { rw.verifyWebhook(body + ' ', headers, secret); } catch (e) { tampered = e.code; }
  const result = { target: rw.target, verified, tampered };`;

test('the packed tarball ships the addon, the web build and the types', () => {
  const files = readdirSync(join(project, 'node_modules', 'runwire'), { recursive: true });
  for (const expected of ['index.d.ts', 'node/index.js', 'web/pkg/runwire_wasm_bg.wasm', 'native/runwire.linux-x64-gnu.node']) {
    assert.ok(files.includes(expected), `${expected} is in the package`);
  }
  assert.ok(!files.some((f) => f.endsWith('.rs')), 'no Rust sources in the package');
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
