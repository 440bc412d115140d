/** runwire's dispatch vs @langchain/core 0.3.x's (this directory's own npm project). */
import { fileURLToPath } from 'node:url';
import lc from './lc.mjs';
import { defineDifferentialTests } from '../lib/define.mjs';

defineDifferentialTests(lc, fileURLToPath(new URL('./lc.mjs', import.meta.url)), '0.3');
