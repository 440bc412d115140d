#!/usr/bin/env node
/** The `runwire` executable (`npx runwire …`); see ./main.js. */
import { main } from './main.js';

const controller = new AbortController();
for (const signal of ['SIGINT', 'SIGTERM']) process.once(signal, () => controller.abort());
process.exitCode = await main(process.argv.slice(2), { signal: controller.signal });
