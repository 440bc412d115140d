/** Run webhooks with @langchain/langgraph 1.x and @langchain/core 1.x (the root project's). */
import * as lg from '@langchain/langgraph';
import * as runnables from '@langchain/core/runnables';
import { createRequire } from 'node:module';
import { defineRunWebhookTests } from './scenarios.mjs';

const { version } = createRequire(import.meta.url)('@langchain/core/package.json');
defineRunWebhookTests(lg, runnables, { label: `langgraph 1.x (core ${version})`, coreMajor: Number(version.split('.')[0]) });
