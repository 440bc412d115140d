/**
 * A CommonJS consumer (`.cts`, `module: node16`/`nodenext`): `require` resolves the types through
 * the exports map's `types.require` condition to index.d.cts, and the JS to node/index.cjs.
 */
import runwire = require('runwire');
import web = require('runwire/web');
import { signWebhook, verifyWebhook, type StandardWebhookHeaders } from 'runwire';

const secret = runwire.generateSecret();
const headers: StandardWebhookHeaders = signWebhook('{}', { id: 'a', secrets: secret });
const verified = verifyWebhook('{}', headers, secret);
const target: 'node-addon' | 'wasm' = web.target;

// @ts-expect-error a misspelt option, in CommonJS too
runwire.signWebhook('{}', { id: 'a', secrets: secret, timestmap: 1 });

export = { verified, target };
