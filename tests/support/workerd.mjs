/**
 * Runs a Cloudflare worker in a real workerd (npm `workerd`) on a loopback port.
 *
 * workerd loads modules from a capnp config, not from node_modules, so the worker's files are
 * copied into a temporary directory and listed as modules named by their repo-relative paths;
 * relative imports between them then resolve as they would in a bundle. `.wasm` files become
 * `wasm` modules (a compiled WebAssembly.Module, as wrangler's CompiledWasm rule gives), `.json`
 * files `json` modules. Outbound fetch may reach loopback only (a network service with
 * `allow = ["local"]` as globalOutbound), so tests can target their own servers and nothing else.
 */
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, extname } from 'node:path';
import { bin, freePort, packageDir, repoRoot, startProcess, waitForHttp } from './paths.mjs';
import { resolveExport, WORKERD_CONDITIONS } from './exports.mjs';

const MODULE_TYPES = { '.js': 'esModule', '.mjs': 'esModule', '.wasm': 'wasm', '.json': 'json' };

/** Every module file under the given directories (relative to the repo, or to `baseDir` if given first as `{ baseDir }`). */
export function moduleFiles(...dirs) {
  const baseDir = typeof dirs[0] === 'object' ? dirs.shift().baseDir : repoRoot;
  const files = [];
  const walk = (dir) => {
    for (const name of readdirSync(join(baseDir, dir))) {
      const path = join(dir, name);
      if (name === 'node_modules') continue;
      if (statSync(join(baseDir, path)).isDirectory()) walk(path);
      else if (MODULE_TYPES[extname(name)]) files.push(path);
    }
  };
  dirs.forEach(walk);
  return files;
}

/** Repo-relative path of the module `runwire` resolves to in workerd (the package's own `workerd` export). */
export function runwireWorkerdEntry() {
  return join('npm/runwire', resolveExport(packageDir, '.', WORKERD_CONDITIONS));
}

/** runwire's package modules for a worker (JS glue, loaders, the web build), plus `extraDirs`. */
export function runwireModuleFiles(...extraDirs) {
  return moduleFiles('npm/runwire/src', 'npm/runwire/web', ...extraDirs);
}

/**
 * @param {object} options
 * @param {string} options.main the worker's main module: a repo-relative path, or a key of `extraModules`
 * @param {string[]} options.files further repo-relative module files
 * @param {Record<string, string>} [options.extraModules] generated modules: name -> source
 * @param {Record<string, string>} [options.textBindings] env bindings (strings)
 * @param {string} [options.baseDir] where `main` and `files` are relative to (default: the repo)
 * @param {string[]} [options.compatibilityFlags] workerd compatibility flags (e.g. `nodejs_als`)
 * @returns {Promise<{ url: string, stop: () => Promise<void>, output: () => string }>}
 */
export async function startWorker({ main, files, extraModules = {}, textBindings = {}, baseDir = repoRoot, compatibilityFlags = [] }) {
  const dir = mkdtempSync(join(tmpdir(), 'runwire-workerd-'));
  for (const name of files) cpSync(join(baseDir, name), join(dir, name), { recursive: true });
  if (!(main in extraModules)) cpSync(join(baseDir, main), join(dir, main));
  for (const [name, source] of Object.entries(extraModules)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), source);
  }
  // The main module must come first; names are unique.
  const names = [...new Set([main, ...files, ...Object.keys(extraModules)])];
  const port = await freePort();
  const modules = names
    .map((name) => `(name = ${JSON.stringify(name)}, ${MODULE_TYPES[extname(name)]} = embed ${JSON.stringify(name)})`)
    .join(',\n      ');
  const bindings = Object.entries(textBindings)
    .map(([name, value]) => `(name = ${JSON.stringify(name)}, text = ${JSON.stringify(value)})`)
    .join(', ');
  writeFileSync(
    join(dir, 'config.capnp'),
    `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [
    (name = "main", worker = .worker),
    (name = "loopback", network = (allow = ["local"])),
  ],
  sockets = [ (name = "http", address = "127.0.0.1:${port}", http = (), service = "main") ],
);
const worker :Workerd.Worker = (
  modules = [
      ${modules}
  ],
  bindings = [ ${bindings} ],
  compatibilityDate = "2025-09-01",
  compatibilityFlags = ${JSON.stringify(compatibilityFlags)},
  globalOutbound = "loopback",
);
`,
  );
  const url = `http://127.0.0.1:${port}`;
  const proc = await startProcess(bin('workerd'), ['serve', join(dir, 'config.capnp'), '--verbose'], {
    cwd: dir,
    ready: () => true,
  });
  const stop = async () => {
    await proc.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitForHttp(url);
  } catch (error) {
    await stop();
    throw new Error(`${error.message}\nworkerd output:\n${proc.output()}`, { cause: error });
  }
  return { url, stop, output: proc.output, dir: relative(repoRoot, dir) };
}

/**
 * An ESM bundle of `source` (re-exports from packages in the repo's node_modules) for a worker:
 * workerd loads modules from its config, not from node_modules, so LangChain / LangGraph are
 * bundled with esbuild under workerd's export conditions.
 */
export async function bundleForWorkerd(source) {
  const { build } = await import('esbuild');
  const result = await build({
    stdin: { contents: source, resolveDir: repoRoot, loader: 'js' },
    bundle: true,
    format: 'esm',
    platform: 'browser',
    conditions: ['workerd', 'worker', 'browser'],
    write: false,
    logLevel: 'silent',
  });
  return result.outputFiles[0].text;
}
