/**
 * Runs every conformance case against one runwire module. Runtime-agnostic: each target's
 * harness supplies the module and a fixture loader, and gets back plain JSON (results plus any
 * samples the cases produced for the Node-side interop checks).
 */
import suites from './cases/index.js';

/**
 * @param {object} rw the runwire module of the target
 * @param {(file: string) => Promise<unknown>} loadFixture parsed JSON of tests/fixtures/<file>
 * @param {string} target
 */
export async function runConformance(rw, loadFixture, target) {
  const results = [];
  const samples = [];
  for (const suite of suites) {
    const fx = {};
    for (const file of suite.fixtures) fx[file.replace(/\.json$/, '')] = await loadFixture(file);
    for (const testCase of suite.cases) {
      const name = `${suite.topic}: ${testCase.name}`;
      try {
        const sample = await testCase.run(rw, fx, { target });
        if (sample !== undefined) samples.push({ name, ...sample });
        results.push({ name, ok: true });
      } catch (error) {
        results.push({ name, ok: false, error: String(error?.stack ?? error) });
      }
    }
  }
  return { target, runwireTarget: rw.target, results, samples };
}

/** Every fixture file any case module needs (harnesses that must embed them up front use this). */
export function fixtureFiles() {
  return [...new Set(suites.flatMap((suite) => suite.fixtures))];
}
