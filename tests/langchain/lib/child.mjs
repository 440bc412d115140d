/**
 * Runs one scenario with one implementation in this process and prints the observation as
 * JSON: used for scenarios that depend on environment variables read at import time or per
 * call (LANGCHAIN_CALLBACKS_BACKGROUND). Usage: node child.mjs <lc module> <scenario> <impl>
 */
import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';
import { makeScenarios } from './scenarios.mjs';
import { implementations } from './impls.mjs';

const [lcPath, scenario, impl] = process.argv.slice(2);
const lc = (await import(pathToFileURL(resolve(lcPath)).href)).default;
const observation = await makeScenarios(lc)[scenario](implementations(lc)[impl]);
process.stdout.write(JSON.stringify(observation));
