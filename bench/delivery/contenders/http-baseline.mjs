/** Seed design with node:http and a keep-alive Agent: the stronger pure-JS baseline. */
import { Agent, request } from 'node:http';
import { createSeedHandler } from './seed-common.mjs';

export const name = 'pure JS, node:http keep-alive';

export function create({ url, secret, githubSecret }) {
  const agent = new Agent({ keepAlive: true, maxSockets: 256 });
  return createSeedHandler({
    url,
    secret,
    githubSecret,
    post(target, headers, body) {
      return new Promise((resolve, reject) => {
        const req = request(target, { method: 'POST', headers, agent, timeout: 15_000 }, (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode));
        });
        req.on('timeout', () => req.destroy(new Error('timeout')));
        req.on('error', reject);
        req.end(body);
      });
    },
  });
}
