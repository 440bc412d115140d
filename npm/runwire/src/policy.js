/**
 * Endpoint safety, public API: URL policy (LangGraph's options and error strings, runwire's safe
 * defaults), SSRF address checks, `${{ env.VAR }}` header templates, query-token auth.
 *
 * Built once over either backend's low-level functions (`urlPolicyCheck`,
 * `urlPolicyCheckAddresses`, `classifyIp`, `resolveHeaderTemplates`;
 * crates/{node,wasm}/src/policy.rs); `withQueryToken` and `redactUrl` are plain JS over `URL`). URLs are normalised here with the runtime's
 * own WHATWG parser (`new URL`) — the same one `fetch` uses — and the core checks the
 * normalised href, so `http://0x7f.1/` is judged as 127.0.0.1 on every target.
 *
 * Environment access is explicit: `resolveHeaderTemplates` reads the `env` object it is given
 * (the Node entry defaults it to `process.env`), and only variables with the env prefix ever
 * cross into the core. Resolved values are returned, never logged or put in errors.
 */
import { codedError, invalidArgument } from './errors.js';

export const DEFAULT_ENV_PREFIX = 'LG_WEBHOOK_';

/**
 * An `allowed_domains` entry written in Unicode, IDNA-encoded by the runtime's WHATWG parser
 * (`*.bücher.example` → `*.xn--bcher-kva.example`), as hosts are: the web build's core has no
 * IDNA tables of its own (size budget), and the addon's core would encode it the same way.
 * ASCII entries and entries the parser refuses are passed on as written, so the core's
 * config-time errors quote what the user wrote.
 */
function idnaPattern(pattern) {
  if (typeof pattern !== 'string' || [...pattern].every((c) => c.charCodeAt(0) < 128)) return pattern;
  const wildcard = pattern.trim().startsWith('*.');
  const base = wildcard ? pattern.trim().slice(2) : pattern.trim();
  try {
    const host = new URL(`https://${base}/`).hostname;
    return wildcard ? `*.${host}` : host;
  } catch {
    return pattern;
  }
}

/** The policy with Unicode `allowed_domains` entries IDNA-encoded (a copy; input untouched). */
export function normalizeUrlPolicy(policy) {
  if (policy == null || typeof policy !== 'object' || Array.isArray(policy)) return policy;
  let out = policy;
  for (const key of ['allowed_domains', 'allowedDomains']) {
    if (Array.isArray(policy[key]) && policy[key].some((d) => idnaPattern(d) !== d)) {
      out = { ...out, [key]: policy[key].map(idnaPattern) };
    }
  }
  return out;
}

function policyJson(policy) {
  if (policy == null) return '';
  if (typeof policy !== 'object' || Array.isArray(policy)) {
    throw codedError('ERR_RUNWIRE_URL_POLICY_CONFIG', 'invalid webhook url policy: policy must be an object');
  }
  return JSON.stringify(normalizeUrlPolicy(policy));
}

function whatwgHref(url) {
  try {
    return new URL(url).href;
  } catch {
    return '';
  }
}

function checked(json) {
  const c = JSON.parse(json);
  return {
    url: c.url,
    host: c.host,
    hostType: c.host_type,
    port: c.port,
    allowlisted: c.allowlisted,
    needsDns: c.needs_dns,
  };
}

function checkUrlArg(url) {
  if (typeof url !== 'string') throw invalidArgument('url must be a string');
  return url;
}

/**
 * @param {object} native the addon or the initialised wasm module
 * @param {{ defaultEnv?: () => Record<string, string | undefined> }} [platform]
 */
export function createPolicyApi(native, platform = {}) {
  /**
   * Checks a webhook URL against a policy without DNS. Throws `ERR_RUNWIRE_URL_POLICY` with
   * LangGraph's message, or `ERR_RUNWIRE_URL_POLICY_CONFIG` for a bad policy. Returns the
   * normalised URL (send to `result.url`) and whether its host still needs a DNS check.
   */
  function validateWebhookUrl(url, policy) {
    checkUrlArg(url);
    return checked(native.urlPolicyCheck(url, whatwgHref(url), policyJson(policy)));
  }

  /**
   * Checks a URL and the addresses its host resolved to (all must pass). For runtimes where
   * the caller can resolve (e.g. `Deno.resolveDns`); the Node addon does this itself at
   * connect time and connects only to a vetted address.
   */
  function checkWebhookAddresses(url, addresses, policy) {
    checkUrlArg(url);
    if (!Array.isArray(addresses) || !addresses.every((a) => typeof a === 'string')) {
      throw invalidArgument('addresses must be an array of strings');
    }
    return checked(native.urlPolicyCheckAddresses(url, whatwgHref(url), addresses, policyJson(policy)));
  }

  /** `null` if a webhook may connect to `ip` under `policy`, else the block class. */
  function classifyIp(ip, policy) {
    if (typeof ip !== 'string') throw invalidArgument('ip must be a string');
    return native.classifyIp(ip, policyJson(policy)) ?? null;
  }

  /**
   * Resolves `${{ env.VAR }}` templates in static header values, once. Only variables starting
   * with `envPrefix` (default `LG_WEBHOOK_`) may be referenced; errors are LangGraph's.
   * @param {Record<string, string>} headers
   * @param {{ env?: Record<string, string | undefined>, envPrefix?: string | null, allowAnyEnv?: boolean }} [options]
   * @returns {Record<string, string>}
   */
  function resolveHeaderTemplates(headers, options = {}) {
    if (headers == null || typeof headers !== 'object' || Array.isArray(headers)) {
      throw codedError('ERR_RUNWIRE_HEADER_TEMPLATE', 'webhook headers: headers must be an object');
    }
    const env = options.env ?? platform.defaultEnv?.();
    if (env == null || typeof env !== 'object') {
      throw invalidArgument('options.env must be an object of environment variables (required in the web build)');
    }
    const prefix = options.envPrefix === undefined ? DEFAULT_ENV_PREFIX : options.envPrefix;
    if (prefix !== null && typeof prefix !== 'string') throw invalidArgument('options.envPrefix must be a string');
    // Only what the templates may read crosses into the core.
    const visible = {};
    if (typeof prefix === 'string') {
      for (const [name, value] of Object.entries(env)) {
        if (typeof value === 'string' && name.startsWith(prefix)) visible[name] = value;
      }
    }
    let headersText;
    try {
      headersText = JSON.stringify(Object.entries(headers));
    } catch (cause) {
      throw codedError('ERR_RUNWIRE_HEADER_TEMPLATE', 'webhook headers: headers must be JSON-serialisable', cause);
    }
    const opts = JSON.stringify({ env_prefix: prefix, allow_any_env: options.allowAnyEnv === true });
    const pairs = JSON.parse(native.resolveHeaderTemplates(headersText, JSON.stringify(visible), opts));
    return Object.fromEntries(pairs);
  }

  return { validateWebhookUrl, checkWebhookAddresses, classifyIp, resolveHeaderTemplates, withQueryToken, redactUrl };
}

/**
 * Appends LangGraph-style query-token auth: `url?token=<token>` (name configurable), encoded as
 * `URLSearchParams` does. Plain JS: every runtime has a WHATWG `URL`.
 */
export function withQueryToken(url, token, options = {}) {
  checkUrlArg(url);
  if (typeof token !== 'string' || token === '') throw invalidArgument('token must be a non-empty string');
  let parsed;
  try {
    parsed = new URL(url);
  } catch {
    throw codedError('ERR_RUNWIRE_URL_POLICY', "Invalid webhook hostname ''");
  }
  parsed.searchParams.append(options.name ?? 'token', token);
  return parsed.href;
}

/** The URL with query values, password and fragment replaced by `***`, safe for logs. */
export function redactUrl(url) {
  checkUrlArg(url);
  let parsed;
  try {
    parsed = new URL(url);
  } catch {
    return '<invalid url>';
  }
  const names = [...parsed.searchParams.keys()];
  parsed.search = '';
  for (const name of names) parsed.searchParams.append(name, '***');
  if (parsed.password) parsed.password = '***';
  if (parsed.hash) parsed.hash = '***';
  return parsed.href;
}

