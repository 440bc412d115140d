/**
 * Runs the bad-input table (./cases.js) on one build in this process and prints the outcomes as
 * one JSON line: `node run.mjs addon|web [crash-prone case name]`.
 */
import { CASES, CRASH_PRONE, runCases } from './cases.js';

const [build, only] = process.argv.slice(2);
const rw = await import(build === 'web' ? 'runwire/web' : 'runwire');
const cases = only ? CRASH_PRONE.filter(([name]) => name === only) : CASES;
const outcomes = await runCases(rw, cases);
const rss = process.memoryUsage().rss;
process.stdout.write(`${JSON.stringify({ outcomes, rss })}\n`);
