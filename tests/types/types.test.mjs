/**
 * The type-test suite: `tsc --strict --noEmit` (TypeScript 5.9, the root devDependency) over
 *   - every ```ts block of README.md, extracted as it is shown (the few names a snippet leaves to
 *     the reader — `rawBody`, `app`, `agent`, … — are declared in readme-context.d.ts);
 *   - examples/*.ts;
 *   - cases/: the drop-in promises (runwire's dispatch assignable to `typeof` core's, LangChain's
 *     configs accepted, the webhook handler accepted as LangChain/LangGraph `callbacks`), sign →
 *     verify, header shapes, and negative cases asserted with `@ts-expect-error`;
 * under `nodenext` and `node16` (ESM files and a CommonJS `.cts`), `bundler` and `node10`
 * resolution, against @langchain/core 1.4.0 + @langchain/langgraph 1.7.3 (the root project) and
 * 0.3.80 + 0.4.10 (tests/langchain/v03). Each run compiles copies placed in a scratch folder
 * inside that project, so bare imports resolve exactly as in a user's project of that version.
 *
 * Also: index.d.ts itself is checked (`skipLibCheck: false`) in a project with neither LangChain
 * nor @types/node (only `lib: dom`), which proves LangChain stays an optional peer; the negative
 * cases are shown to be real errors (with their directives removed, tsc fails on exactly those
 * lines); README code blocks are all TypeScript, so none escapes the check.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { packageDir, repoRoot, run } from '../support/paths.mjs';

const here = join(repoRoot, 'tests', 'types');
const tsc = join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc');
const CASES = join(here, 'cases');
const EXAMPLES = join(repoRoot, 'examples');

/** The @langchain/core versions: where a scratch folder resolves that version's packages. */
const LANGCHAIN = [
  { name: '@langchain/core 1.4.0', project: join(repoRoot, 'tests', 'types') },
  { name: '@langchain/core 0.3.80', project: join(repoRoot, 'tests', 'langchain', 'v03') },
];

const STRICT = {
  strict: true,
  noEmit: true,
  target: 'es2022',
  lib: ['es2022'],
  types: ['node'],
  esModuleInterop: true,
  moduleDetection: 'force',
  // LangChain's own declarations are not ours to check (and cost most of the time); index.d.ts
  // is checked with skipLibCheck off in the standalone project below.
  skipLibCheck: true,
};

/** Module settings: which files each compiles (`.cts` only where CommonJS files exist). */
const MODES = [
  { name: 'nodenext', options: { module: 'nodenext', moduleResolution: 'nodenext' }, cjs: true },
  { name: 'node16', options: { module: 'node16', moduleResolution: 'node16' }, cjs: true },
  { name: 'bundler', options: { module: 'esnext', moduleResolution: 'bundler' }, cjs: false },
  { name: 'node10', options: { module: 'esnext', moduleResolution: 'node10' }, cjs: false },
];

/** The fenced code blocks of README.md, with their language and line. */
function readmeBlocks() {
  const text = readFileSync(join(repoRoot, 'README.md'), 'utf8');
  const blocks = [];
  for (const match of text.matchAll(/^```(\w*)\n([\s\S]*?)^```$/gm)) {
    const line = text.slice(0, match.index).split('\n').length;
    blocks.push({ lang: match[1], code: match[2], line });
  }
  return blocks;
}

/** Copies every file tsc should see into `dir`; returns their names. */
function stage(dir) {
  mkdirSync(dir, { recursive: true });
  const files = [];
  for (const name of readdirSync(CASES)) {
    cpSync(join(CASES, name), join(dir, name));
    files.push(name);
  }
  for (const name of readdirSync(EXAMPLES).filter((f) => f.endsWith('.ts'))) {
    cpSync(join(EXAMPLES, name), join(dir, `example-${name}`));
    files.push(`example-${name}`);
  }
  cpSync(join(here, 'readme-context.d.ts'), join(dir, 'readme-context.d.ts'));
  for (const block of readmeBlocks().filter((b) => b.lang === 'ts')) {
    const name = `readme-line-${block.line}.ts`;
    writeFileSync(join(dir, name), block.code);
    files.push(name);
  }
  return files;
}

/** Runs tsc on a generated tsconfig; resolves to its diagnostics (`file(line,col): error …`). */
async function compile(dir, configName, compilerOptions, files) {
  writeFileSync(join(dir, configName), JSON.stringify({ compilerOptions, files }, null, 2));
  try {
    await run(process.execPath, [tsc, '-p', configName, '--pretty', 'false'], { cwd: dir, timeoutMs: 300_000 });
    return [];
  } catch (error) {
    const diagnostics = String(error.message).split('\n').filter((l) => /\): error TS\d+/.test(l));
    if (diagnostics.length === 0) throw error;
    return diagnostics;
  }
}

const scratch = new Map();

before(() => {
  for (const { name, project } of LANGCHAIN) {
    const dir = mkdtempSync(join(project, '.types-'));
    scratch.set(name, { dir, files: stage(dir) });
  }
});

after(() => {
  for (const { dir } of scratch.values()) rmSync(dir, { recursive: true, force: true });
});

describe('README code blocks', () => {
  it('are TypeScript (```ts), so the type tests compile every one', () => {
    const blocks = readmeBlocks();
    const code = blocks.filter((b) => !['sh', 'text', ''].includes(b.lang));
    assert.ok(code.filter((b) => b.lang === 'ts').length >= 8, 'the README shows its API in ```ts blocks');
    const other = code.filter((b) => b.lang !== 'ts').map((b) => `README.md:${b.line} (\`\`\`${b.lang})`);
    assert.deepEqual(other, [], 'write README code as ```ts so tests/types compiles it');
  });
});

for (const lc of LANGCHAIN) {
  describe(`tsc --strict against ${lc.name}`, { concurrency: 2 }, () => {
    for (const mode of MODES) {
      it(`${mode.name} resolution: README snippets, examples/*.ts and cases/ compile`, async () => {
        const { dir, files } = scratch.get(lc.name);
        const selected = ['readme-context.d.ts', ...files.filter((f) => mode.cjs || !f.endsWith('.cts'))];
        const diagnostics = await compile(dir, `tsconfig.${mode.name}.json`, { ...STRICT, ...mode.options }, selected);
        assert.deepEqual(diagnostics, []);
      });
    }
  });
}

describe('the types themselves', () => {
  it('compile with skipLibCheck off in a project without LangChain or @types/node', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'runwire-types-'));
    try {
      mkdirSync(join(dir, 'node_modules'));
      symlinkSync(packageDir, join(dir, 'node_modules', 'runwire'), 'dir');
      writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'no-langchain', private: true, type: 'module' }));
      cpSync(join(CASES, 'api.ts'), join(dir, 'api.ts'));
      const options = {
        ...STRICT,
        module: 'nodenext',
        moduleResolution: 'nodenext',
        lib: ['es2022', 'dom'],
        types: [],
        skipLibCheck: false,
        // Resolve runwire's files at their node_modules path, so nothing they might import could
        // be found in the repository's node_modules.
        preserveSymlinks: true,
      };
      assert.deepEqual(await compile(dir, 'tsconfig.json', options, ['api.ts']), []);
      // The project really has no LangChain: importing it fails there.
      writeFileSync(join(dir, 'probe.ts'), "export { RunnableLambda } from '@langchain/core/runnables';\n");
      const probe = await compile(dir, 'tsconfig.probe.json', options, ['probe.ts']);
      assert.match(probe.join('\n'), /probe\.ts\(1,32\): error TS2307: Cannot find module '@langchain\/core\/runnables'/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reject what the negative cases assert: without @ts-expect-error, tsc fails on exactly those lines', async () => {
    const { dir } = scratch.get(LANGCHAIN[0].name);
    const expected = [];
    const stripped = [];
    for (const name of readdirSync(CASES)) {
      const lines = readFileSync(join(CASES, name), 'utf8').split('\n');
      const out = `stripped-${name}`;
      lines.forEach((line, i) => {
        if (/^\s*\/\/ @ts-expect-error/.test(line)) expected.push(`${out}:${i + 2}`);
      });
      writeFileSync(join(dir, out), lines.map((l) => l.replace(/\/\/ @ts-expect-error.*/, '//')).join('\n'));
      stripped.push(out);
    }
    assert.ok(expected.length >= 15, `${expected.length} negative cases`);
    const diagnostics = await compile(
      dir,
      'tsconfig.stripped.json',
      { ...STRICT, ...MODES[0].options },
      ['readme-context.d.ts', ...stripped],
    );
    const failing = [...new Set(diagnostics.map((d) => /^(\S+?)\((\d+),/.exec(d)).map((m) => `${basename(m[1])}:${m[2]}`))];
    assert.deepEqual(failing.sort(), expected.sort(), diagnostics.join('\n'));
  });
});
