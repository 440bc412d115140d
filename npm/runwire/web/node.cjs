/**
 * runwire/web for CommonJS in Node: the ESM loader itself via require(esm) (Node >= 20.19);
 * it has no top-level await, so require() can load it. Types: ../index.d.cts.
 */
'use strict';
module.exports = require('./node.js');
