/**
 * The `runwire` command as the CLI tests run it: a child process of this Node, from the repo
 * root, colours off, bounded in time.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from './paths.mjs';

export const CLI = join(repoRoot, 'npm/runwire/cli/runwire.js');

/** Runs `runwire <args>` to completion: `{ code, stdout, stderr }`; rejects after `timeoutMs`. */
export function runCli(args, { env = {}, timeoutMs = 60_000 } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: repoRoot, env: { ...process.env, NO_COLOR: '1', ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`runwire ${args.join(' ')} timed out\n${stdout}\n${stderr}`));
    }, timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
