/** Seed design with global fetch (undici), as most hand-written handlers do. */
import { createSeedHandler } from './seed-common.mjs';

export const name = 'pure JS, fetch';

export function create({ url, secret, githubSecret }) {
  return createSeedHandler({
    url,
    secret,
    githubSecret,
    async post(target, headers, body) {
      const response = await fetch(target, { method: 'POST', headers, body, signal: AbortSignal.timeout(15_000) });
      await response.arrayBuffer();
      return response.status;
    },
  });
}
