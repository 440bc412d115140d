/**
 * The per-platform addon packages (npm/<platform>/, built by scripts/build-platforms.sh):
 *
 * - each package.json is what npm needs to pick it (`os`, `cpu`, `libc`, `main`, `files`) and
 *   is listed, at runwire's own version, in runwire's optionalDependencies;
 * - each binary has the right object format and machine (LLVM's readobj reads ELF and PE
 *   alike), is stripped, and exports `napi_register_module_v1`, the symbol Node looks up;
 * - glibc builds need no symbol version newer than GLIBC_2.17 (the stated floor); musl builds
 *   reference no glibc at all, and the one for this CPU links under musl's own loader;
 * - the package for this machine loads in Node and signs and verifies.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { packageDir, repoRoot, run } from '../support/paths.mjs';

const require = createRequire(import.meta.url);
const npmDir = join(repoRoot, 'npm');
const runwire = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8'));
const GLIBC_FLOOR = [2, 17];

const platforms = readdirSync(npmDir)
  .filter((name) => name !== 'runwire' && existsSync(join(npmDir, name, 'package.json')))
  .map((name) => ({ name, dir: join(npmDir, name), pkg: JSON.parse(readFileSync(join(npmDir, name, 'package.json'), 'utf8')) }));

/** What each napi-rs platform name means for npm and for the object file. */
function expectations(name) {
  const [os, cpu, abi] = name.split('-');
  const arm = cpu === 'arm64';
  if (os === 'linux') {
    return { os, cpu, libc: abi === 'musl' ? 'musl' : 'glibc', format: arm ? 'elf64-littleaarch64' : 'elf64-x86-64' };
  }
  if (os === 'win32') return { os, cpu, format: 'COFF-x86-64' };
  throw new Error(`unexpected platform directory npm/${name}`);
}

const readobj = async (...args) => (await run('llvm-readobj', args)).stdout;
const nm = async (...args) => (await run('llvm-nm', args)).stdout;

test('the platform packages: the napi-rs set this machine can build', () => {
  assert.deepEqual(platforms.map((p) => p.name).sort(), [
    'linux-arm64-gnu',
    'linux-arm64-musl',
    'linux-x64-gnu',
    'linux-x64-musl',
    'win32-x64-gnu',
  ]);
});

test("runwire's optionalDependencies are exactly the platform packages, at its own version", () => {
  const expected = Object.fromEntries(platforms.map((p) => [p.pkg.name, runwire.version]));
  assert.deepEqual(runwire.optionalDependencies, expected);
});

for (const { name, dir, pkg } of platforms) {
  const want = expectations(name);
  const file = join(dir, `runwire.${name}.node`);

  test(`runwire-${name}: package.json lets npm pick it`, () => {
    assert.equal(pkg.name, `runwire-${name}`);
    assert.equal(pkg.version, runwire.version);
    assert.deepEqual(pkg.os, [want.os]);
    assert.deepEqual(pkg.cpu, [want.cpu]);
    assert.deepEqual(pkg.libc, want.libc && [want.libc]);
    assert.equal(pkg.main, `runwire.${name}.node`);
    assert.deepEqual(pkg.files, [pkg.main]);
    assert.equal(pkg.license, runwire.license);
  });

  test(`runwire-${name}: ${want.format}, stripped, exports napi_register_module_v1`, async () => {
    assert.ok(existsSync(file), `${file} is built (bash scripts/build-platforms.sh ${name})`);
    const headers = await readobj('--file-headers', '--section-headers', file);
    assert.match(headers, new RegExp(`^Format: ${want.format}$`, 'm'));
    if (want.os === 'linux') {
      assert.match(headers, /Type: SharedObject/);
      assert.doesNotMatch(headers, /Name: \.symtab /, 'no static symbol table');
      assert.doesNotMatch(headers, /Name: \.debug_/, 'no debug info');
      assert.match(await nm('-D', '--defined-only', file), / T napi_register_module_v1$/m);
    } else {
      assert.match(headers, /Characteristics.*\n(.*\n)*.*IMAGE_FILE_DLL/);
      assert.match(headers, /SymbolCount: 0$/m, 'no COFF symbol table');
      assert.match(await readobj('--coff-exports', file), /Name: napi_register_module_v1$/m);
      // Node-API comes from the host executable (node.exe), as for MSVC-built addons.
      assert.match(await readobj('--coff-imports', file), /Name: node\.exe$/m);
    }
  });

  if (want.libc === 'glibc') {
    test(`runwire-${name}: needs glibc ${GLIBC_FLOOR.join('.')} at most`, async () => {
      const versions = [...(await readobj('--version-info', file)).matchAll(/GLIBC_(\d+)\.(\d+)/g)].map((m) => [+m[1], +m[2]]);
      assert.ok(versions.length > 0, 'references versioned glibc symbols');
      const newest = versions.reduce((a, b) => (b[0] > a[0] || (b[0] === a[0] && b[1] > a[1]) ? b : a));
      assert.ok(
        newest[0] < GLIBC_FLOOR[0] || (newest[0] === GLIBC_FLOOR[0] && newest[1] <= GLIBC_FLOOR[1]),
        `newest symbol version GLIBC_${newest.join('.')}`,
      );
    });
  }

  if (want.libc === 'musl') {
    test(`runwire-${name}: links musl, no glibc`, async () => {
      const needed = await readobj('--needed-libs', file);
      assert.match(needed, /^\s+libc\.so$/m, 'musl libc (its loader maps libc.so to itself)');
      assert.doesNotMatch(needed, /libc\.so\.6|ld-linux/);
      assert.doesNotMatch(await readobj('--version-info', file), /GLIBC_/);
    });
  }

  if (want.libc === 'musl' && want.cpu === process.arch) {
    test(`runwire-${name}: musl's own loader links it; only Node's napi_* symbols stay open`, async () => {
      // Debian's musl package (scripts/setup.sh) brings the real musl loader; in `--list` (ldd)
      // mode it maps the library, resolves every symbol against musl and names what is missing.
      const loader = `/lib/ld-musl-${process.arch === 'x64' ? 'x86_64' : 'aarch64'}.so.1`;
      const output = await new Promise((resolve) => {
        execFile(loader, ['--list', file], (error, stdout, stderr) => resolve(`${stdout}${stderr}`));
      });
      assert.match(output, /libc\.so => \/lib\/ld-musl-/, output);
      const missing = [...output.matchAll(/Error relocating [^:]+: (\S+): symbol not found/g)].map((m) => m[1]);
      assert.ok(missing.length > 0, 'the napi functions are left for Node to provide');
      assert.deepEqual(missing.filter((symbol) => !symbol.startsWith('napi_')), [], 'every libc symbol resolves in musl');
      assert.equal(output.split('\n').filter((l) => l.trim() && !/ld-musl|Error relocating/.test(l)).length, 0, output);
    });
  }
}

test('the package for this machine loads in Node and signs', async () => {
  const { candidates } = require(join(packageDir, 'node', 'platform.cjs'));
  const [name] = candidates();
  const file = join(npmDir, name, `runwire.${name}.node`);
  assert.ok(existsSync(file), `this machine's package runwire-${name} is built`);
  // In a child process: a .node stays loaded for the life of the process that opened it.
  const script = `
    const addon = require(${JSON.stringify(file)});
    const secret = addon.generateSecret();
    process.stdout.write(JSON.stringify({ exports: Object.keys(addon).length, secret: secret.slice(0, 6) }));`;
  const { stdout } = await run(process.execPath, ['-e', script]);
  const result = JSON.parse(stdout);
  assert.ok(result.exports > 10, `${result.exports} functions exported`);
  assert.equal(result.secret, 'whsec_');
});
