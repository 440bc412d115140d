/**
 * runwire for CommonJS (`require('runwire')` in Node): the ESM entry itself, loaded with Node's
 * require(esm) (Node >= 20.19, the package's engines floor). One module instance serves both
 * `import` and `require`, so there is no dual-package hazard: one addon, one AsyncLocalStorage
 * scope, one set of delivery engines. Types: ../index.d.cts.
 */
'use strict';
module.exports = require('./index.js');
