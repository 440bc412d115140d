/** Run webhooks with @langchain/langgraph 0.4.x and @langchain/core 0.3.x (this directory's npm project). */
import * as lg from '@langchain/langgraph';
import * as runnables from '@langchain/core/runnables';
import { createRequire } from 'node:module';
import { defineRunWebhookTests } from '../../run-webhook/scenarios.mjs';

const { version } = createRequire(import.meta.url)('@langchain/core/package.json');
defineRunWebhookTests(lg, runnables, { label: `langgraph 0.x (core ${version})`, coreMajor: Number(version.split('.')[0]) });
