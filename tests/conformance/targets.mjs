/**
 * Runs the conformance suite on one target and returns its JSON outcome:
 *   addon      — `runwire` in Node (the napi addon)
 *   node-fallback — `runwire` in a Node process where no addon loads (tests/support/hide-addon.cjs):
 *                the WebAssembly fallback behind the same `node` entry; it must warn exactly once
 *   wasm-node  — `runwire/web` in Node (web build, bytes + initSync)
 *   deno       — `runwire` in Deno 2 (web build via the `deno` export)
 *   workerd    — `runwire` in Cloudflare's workerd (web build via the `workerd` export)
 *   chromium   — `runwire` in headless Chromium (web build via the `browser` export)
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { bin, packageDir, repoRoot, run } from '../support/paths.mjs';
import { BROWSER_CONDITIONS, resolveExport } from '../support/exports.mjs';
import { startWorker, runwireWorkerdEntry, runwireModuleFiles } from '../support/workerd.mjs';
import { startStaticServer } from '../support/static-server.mjs';
import { launchChromium } from '../support/chromium.mjs';
import { runConformance } from './run-suite.js';

export const TARGETS = ['addon', 'node-fallback', 'wasm-node', 'deno', 'workerd', 'chromium'];

const loadFixture = async (file) => JSON.parse(await readFile(join(repoRoot, 'tests', 'fixtures', file), 'utf8'));

async function inNode(specifier, target) {
  return runConformance(await import(specifier), loadFixture, target);
}

async function inNodeFallback() {
  const { stdout, stderr } = await run(process.execPath, [
    '--require',
    join(repoRoot, 'tests', 'support', 'hide-addon.cjs'),
    'tests/conformance/targets/node-entry.mjs',
    'node-fallback',
  ]);
  const warnings = stderr.match(/\[RUNWIRE_WASM_FALLBACK\] RunwireWarning/g) ?? [];
  if (warnings.length !== 1) throw new Error(`expected one fallback warning, saw ${warnings.length}:\n${stderr}`);
  return JSON.parse(stdout.trim().split('\n').at(-1));
}

async function inDeno() {
  const { stdout } = await run(
    bin('deno'),
    ['run', '--no-prompt', `--allow-read=${repoRoot}`, 'tests/conformance/targets/deno-entry.js'],
    { env: { ...process.env, DENO_NO_UPDATE_CHECK: '1', NO_COLOR: '1' } },
  );
  return JSON.parse(stdout.trim().split('\n').at(-1));
}

async function inWorkerd() {
  const entry = runwireWorkerdEntry();
  const worker = await startWorker({
    main: 'conformance-worker.js',
    files: [...runwireModuleFiles('tests/conformance', 'tests/fixtures')],
    extraModules: {
      'conformance-worker.js': `
        import * as rw from './${entry}';
        import { runConformance } from './tests/conformance/run-suite.js';
        const loadFixture = async (file) => (await import('./tests/fixtures/' + file)).default;
        export default {
          async fetch() {
            return Response.json(await runConformance(rw, loadFixture, 'workerd'));
          },
        };`,
    },
  });
  try {
    const response = await fetch(worker.url);
    if (!response.ok) throw new Error(`worker answered ${response.status}: ${await response.text()}\n${worker.output()}`);
    return await response.json();
  } finally {
    await worker.stop();
  }
}

async function inChromium() {
  const entry = `/npm/runwire/${resolveExport(packageDir, '.', BROWSER_CONDITIONS).replace(/^\.\//, '')}`;
  const page = `<!doctype html><meta charset="utf-8">
<script type="importmap">${JSON.stringify({ imports: { runwire: entry } })}</script>
<script type="module">
  import * as rw from 'runwire';
  import { runConformance } from '/tests/conformance/run-suite.js';
  const loadFixture = (file) => fetch('/tests/fixtures/' + file).then((r) => r.json());
  runConformance(rw, loadFixture, 'chromium').then(
    (outcome) => { window.__outcome = outcome; },
    (error) => { window.__outcome = { error: String(error && error.stack || error) }; });
</script>`;
  const server = await startStaticServer({ '/conformance.html': page });
  const browser = await launchChromium();
  try {
    const tab = await browser.newPage();
    const errors = [];
    tab.on('pageerror', (e) => errors.push(String(e)));
    await tab.goto(`${server.url}/conformance.html`);
    await tab.waitForFunction(() => window.__outcome !== undefined, null, { timeout: 60_000 });
    const outcome = await tab.evaluate(() => window.__outcome);
    if (outcome.error) throw new Error(`${outcome.error}\n${errors.join('\n')}`);
    return outcome;
  } finally {
    await browser.close();
    await server.close();
  }
}

/** @param {string} target one of TARGETS */
export function runTarget(target) {
  switch (target) {
    case 'addon':
      return inNode('runwire', target);
    case 'node-fallback':
      return inNodeFallback();
    case 'wasm-node':
      return inNode('runwire/web', target);
    case 'deno':
      return inDeno();
    case 'workerd':
      return inWorkerd();
    case 'chromium':
      return inChromium();
    default:
      throw new Error(`unknown target ${target}`);
  }
}
