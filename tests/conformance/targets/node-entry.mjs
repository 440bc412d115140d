/**
 * The conformance suite in a Node process of its own, loading `runwire` through the package's
 * `node` export: run with `--require tests/support/hide-addon.cjs` it exercises the WebAssembly
 * fallback. Prints the results as one JSON line.
 */
import { readFile } from 'node:fs/promises';
import * as rw from 'runwire';
import { runConformance } from '../run-suite.js';

const fixtures = new URL('../../fixtures/', import.meta.url);
const loadFixture = async (file) => JSON.parse(await readFile(new URL(file, fixtures), 'utf8'));
console.log(JSON.stringify(await runConformance(rw, loadFixture, process.argv[2] ?? 'node')));
