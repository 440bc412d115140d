/**
 * Resolves a package's `exports` map for a list of runtime conditions, the way bundlers and
 * runtimes do (first matching key wins, in the map's own order). Used to load the file each
 * runtime would really get for `runwire` / `runwire/web`, in harnesses that cannot resolve bare
 * specifiers themselves (workerd, Chromium).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

function pick(entry, conditions) {
  if (typeof entry === 'string') return entry;
  if (Array.isArray(entry)) {
    for (const item of entry) {
      const found = pick(item, conditions);
      if (found) return found;
    }
    return null;
  }
  if (entry && typeof entry === 'object') {
    for (const [key, value] of Object.entries(entry)) {
      if (key === 'default' || conditions.includes(key)) {
        const found = pick(value, conditions);
        if (found) return found;
      }
    }
  }
  return null;
}

/** @returns the package-relative path (e.g. "./web/workerd.js") for `subpath` under `conditions`. */
export function resolveExport(packageDir, subpath, conditions) {
  const manifest = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8'));
  const target = pick(manifest.exports?.[subpath], conditions);
  if (!target) throw new Error(`${manifest.name}: no export for ${subpath} under [${conditions}]`);
  return target;
}

export const WORKERD_CONDITIONS = ['workerd', 'worker', 'import', 'browser'];
export const BROWSER_CONDITIONS = ['browser', 'import'];
