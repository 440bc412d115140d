/**
 * LangGraph's webhook configuration, read as `langgraph-api` reads it: the `webhooks` section of
 * `langgraph.json` (`env_prefix`, `url`, `headers`, `allowed_fields`) and `http.disable_webhooks`.
 * The same object is accepted whether it came from the file or was written inline.
 *
 * Everything is checked at start-up, with LangGraph's messages where it has them:
 * - `url`: LangGraph's policy options, judged by the core's URL policy under the `langgraph`
 *   profile (https required, loopback refused, private addresses allowed, 2048-char URLs) — the
 *   defaults LangGraph applies when a `url` block exists. runwire applies them when it does not,
 *   too (LangGraph's fallback still allows plain http; runwire does not flip on absence).
 * - `headers`: `${{ env.VAR }}` templates resolved once, only from variables starting with
 *   `env_prefix` (default `LG_WEBHOOK_`); a missing variable fails here with
 *   `webhook headers: missing required environment variable '…'`.
 * - `allowed_fields`: names checked against LangGraph's list, with its messages (Python reprs).
 * - `http.disable_webhooks`: runs still execute, nothing is sent, and the first skipped webhook
 *   logs LangGraph's line `Webhooks disabled, skipping webhook call` once.
 */
import { codedError } from './errors.js';

/** LangGraph's `VALID_WEBHOOK_ALLOWED_FIELDS`, sorted as its message prints them. */
export const WEBHOOK_FIELDS = Object.freeze([
  'assistant_id', 'created_at', 'error', 'kwargs', 'metadata', 'multitask_strategy', 'run_ended_at',
  'run_id', 'run_started_at', 'status', 'thread_id', 'updated_at', 'values', 'webhook_sent_at',
]);

const WEBHOOK_KEYS = new Set(['env_prefix', 'url', 'headers', 'allowed_fields']);
const URL_KEYS = new Set([
  'allowed_domains', 'require_https', 'allowed_ports', 'max_url_length', 'disable_loopback', 'disable_private_ips',
]);

function configError(message) {
  return codedError('ERR_RUNWIRE_LANGGRAPH_CONFIG', message);
}

/** Python's `type(x).__name__` for a JSON value, as LangGraph's messages print it. */
function pyType(value) {
  if (value === null) return 'NoneType';
  if (Array.isArray(value)) return 'list';
  if (typeof value === 'string') return 'str';
  if (typeof value === 'boolean') return 'bool';
  if (typeof value === 'number') return Number.isInteger(value) ? 'int' : 'float';
  return 'dict';
}

const pyList = (items) => `[${items.map((s) => `'${s}'`).join(', ')}]`;

function isObject(value) {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function allowedFields(value) {
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value)) {
    throw configError(`webhooks.allowed_fields must be a list of strings. Got: ${pyType(value)}`);
  }
  for (const field of value) {
    if (typeof field !== 'string') {
      throw configError(`webhooks.allowed_fields must contain only strings. Got: ${pyType(field)}`);
    }
    if (!WEBHOOK_FIELDS.includes(field)) {
      throw configError(`webhooks.allowed_fields contains invalid field '${field}'. Valid fields are: ${pyList(WEBHOOK_FIELDS)}`);
    }
  }
  return value.length === 0 ? undefined : [...new Set(value)];
}

/**
 * Reads a `langgraph.json` object (or just `{ webhooks, http }`). Returns the runwire options it
 * means: `{ urlPolicy, headers, allowedFields, disableWebhooks }`.
 *
 * @param {object} config the parsed langgraph.json
 * @param {{ resolveHeaderTemplates: Function }} policy
 * @param {{ env?: object, allowAnyEnv?: boolean }} [options]
 */
export function readLangGraphConfig(config, policy, options = {}) {
  if (typeof config === 'string') {
    try {
      config = JSON.parse(config);
    } catch (cause) {
      throw codedError('ERR_RUNWIRE_LANGGRAPH_CONFIG', `langgraph.json is not JSON: ${cause.message}`, cause);
    }
  }
  if (!isObject(config)) throw configError('langgraph config must be an object (the parsed langgraph.json)');
  const webhooks = config.webhooks ?? {};
  if (!isObject(webhooks)) throw configError('webhooks must be an object');
  for (const key of Object.keys(webhooks)) {
    if (!WEBHOOK_KEYS.has(key)) {
      throw configError(`webhooks.${key} is not a webhooks option (expected ${[...WEBHOOK_KEYS].join(', ')})`);
    }
  }
  const out = { urlPolicy: { profile: 'langgraph' } };
  if (webhooks.url !== undefined && webhooks.url !== null) {
    if (!isObject(webhooks.url)) throw configError('webhooks.url must be an object');
    for (const [key, value] of Object.entries(webhooks.url)) {
      if (!URL_KEYS.has(key)) throw configError(`webhooks.url.${key} is not a url policy option (expected ${[...URL_KEYS].join(', ')})`);
      out.urlPolicy[key] = value;
    }
    // The core checks the options with LangGraph's messages (allowed_domains, wildcards); a
    // refusal of the probe URL itself says nothing about the config.
    try {
      policy.validateWebhookUrl('https://example.com/', out.urlPolicy);
    } catch (error) {
      if (error?.code === 'ERR_RUNWIRE_URL_POLICY_CONFIG') throw error;
    }
  }
  const headers = webhooks.headers;
  if (headers !== undefined && headers !== null) {
    if (!isObject(headers)) throw configError('webhooks.headers must be an object of header name to string');
    if (Object.keys(headers).length > 0) {
      // LangGraph reads env_prefix only when there are headers; a null prefix is its error.
      const envPrefix = 'env_prefix' in webhooks ? webhooks.env_prefix : undefined;
      const resolved = { env: options.env, allowAnyEnv: options.allowAnyEnv };
      if (envPrefix !== undefined) resolved.envPrefix = envPrefix;
      out.headers = policy.resolveHeaderTemplates(headers, resolved);
    }
  }
  const fields = allowedFields(webhooks.allowed_fields);
  if (fields !== undefined) out.allowedFields = fields;
  const http = config.http ?? {};
  if (!isObject(http)) throw configError('http must be an object');
  if (http.disable_webhooks !== undefined && typeof http.disable_webhooks !== 'boolean') {
    throw configError('http.disable_webhooks must be a boolean');
  }
  out.disableWebhooks = http.disable_webhooks === true;
  return out;
}
