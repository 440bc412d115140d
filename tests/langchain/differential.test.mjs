/** runwire's dispatch vs @langchain/core 1.x's: identical streamEvents v2 and handler calls. */
import { fileURLToPath } from 'node:url';
import lc from './lc.mjs';
import { defineDifferentialTests } from './lib/define.mjs';

defineDifferentialTests(lc, fileURLToPath(new URL('./lc.mjs', import.meta.url)), '1');
