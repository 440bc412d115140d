/** The conformance case modules, in run order. Add a module here to run it on every target. */
import signing from './signing.js';
import errors from './errors.js';
import events from './events.js';
import urlPolicy from './url-policy.js';
import retry from './retry.js';

export default [signing, errors, events, urlPolicy, retry];
