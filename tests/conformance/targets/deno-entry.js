/* global Deno */
/**
 * The conformance suite under Deno: `runwire` resolves through the package's exports map with
 * Deno's conditions (the `deno` entry, which instantiates the .wasm with `await init()`).
 * Prints the results as one JSON line.
 */
import * as rw from 'runwire';
import { runConformance } from '../run-suite.js';

const fixtures = new URL('../../fixtures/', import.meta.url);
const outcome = await runConformance(rw, async (file) => JSON.parse(await Deno.readTextFile(new URL(file, fixtures))), 'deno');
console.log(JSON.stringify(outcome));
