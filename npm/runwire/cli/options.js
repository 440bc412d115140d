/**
 * Command-line options: flags, then `RUNWIRE_*` environment variables, then a JSON or TOML
 * config file (`--config`), then defaults — in that order of precedence, per option.
 *
 * Secrets are never flags (a flag is visible to every user in `ps`): a secret option names an
 * environment variable (read by default from `RUNWIRE_SECRET`-style names) or a file
 * (`--secret-file`), or comes from the config file.
 *
 * An unknown flag is an error that names it and suggests the closest known one.
 */
import { parseArgs } from 'node:util';
import { readFileSync } from 'node:fs';

/** A usage error: printed with the command's usage line, exit code 2. */
export class UsageError extends Error {
  constructor(message) {
    super(message);
    this.name = 'UsageError';
    this.exitCode = 2;
  }
}

/** A failure the user can act on (unreachable server, unreadable file): exit code 1. */
export class CliError extends Error {
  constructor(message, options) {
    super(message, options);
    this.name = 'CliError';
    this.exitCode = 1;
  }
}

function distance(a, b) {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i += 1) {
    let prev = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j += 1) {
      const next = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = next;
    }
  }
  return row[b.length];
}

/** The closest of `names` to `name`, if it is close enough to be a likely typo. */
export function closest(name, names) {
  let best;
  let bestDistance = Infinity;
  for (const candidate of names) {
    const d = distance(name, candidate);
    if (d < bestDistance) [best, bestDistance] = [candidate, d];
  }
  return bestDistance <= Math.max(2, Math.floor(name.length / 3)) ? best : undefined;
}

const camel = (flag) => flag.replace(/-([a-z])/g, (_, c) => c.toUpperCase());
const envName = (flag) => `RUNWIRE_${flag.toUpperCase().replace(/-/g, '_')}`;

/** Reads a JSON or TOML config file into a plain object (keys as flags or camelCase). */
export async function readConfigFile(path) {
  let text;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new CliError(`cannot read config file ${path}: ${error.code ?? error.message}`);
  }
  try {
    if (/\.toml$/i.test(path)) {
      const { parse } = await import('smol-toml');
      return parse(text);
    }
    return JSON.parse(text);
  } catch (error) {
    throw new CliError(`config file ${path} is not valid ${/\.toml$/i.test(path) ? 'TOML' : 'JSON'}: ${error.message}`);
  }
}

/**
 * @param {object} spec `{ options: { name: { type, short?, default?, description, env?, secret? } },
 *   positionals?: { min, max, names } }`
 * @param {string[]} argv the command's arguments
 * @param {Record<string, string | undefined>} env
 * @returns {Promise<{ values: object, positionals: string[], config: object }>}
 */
export async function parseOptions(spec, argv, env) {
  const parseSpec = { help: { type: 'boolean', short: 'h' }, config: { type: 'string' } };
  for (const [name, option] of Object.entries(spec.options)) {
    if (option.secret) continue;
    parseSpec[name] = { type: option.type === 'boolean' ? 'boolean' : 'string', multiple: option.multiple === true };
    if (option.short) parseSpec[name].short = option.short;
  }
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: parseSpec, allowPositionals: true, strict: true });
  } catch (error) {
    const flag = /'(--?[\w-]+)'/.exec(error.message)?.[1];
    if (error.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && flag) {
      const bare = flag.replace(/^-+/, '');
      const secretOption = spec.options[bare]?.secret;
      if (secretOption) {
        throw new UsageError(
          `--${bare} is not accepted on the command line (other users can read it in ps): set ${spec.options[bare].env ?? envName(bare)} or use --${bare}-file`,
        );
      }
      const suggestion = closest(bare, Object.keys(parseSpec));
      throw new UsageError(`unknown option ${flag}${suggestion ? ` (did you mean --${suggestion}?)` : ''}`);
    }
    throw new UsageError(error.message.replace(/\. To specify a positional argument.*$/s, ''));
  }
  const { values: flags, positionals } = parsed;
  if (flags.help) return { help: true, values: {}, positionals, config: {} };
  const config = flags.config ? await readConfigFile(flags.config) : {};
  const values = {};
  for (const [name, option] of Object.entries(spec.options)) {
    const fromEnv = env[option.env ?? envName(name)];
    const fromConfig = config[name] ?? config[camel(name)];
    let value = flags[name];
    if (value === undefined && fromEnv !== undefined && fromEnv !== '') value = fromEnv;
    if (value === undefined && fromConfig !== undefined) value = fromConfig;
    if (value === undefined) value = option.default;
    if (value !== undefined) values[name] = coerce(name, option, value);
  }
  const { min = 0, max = Infinity } = spec.positionals ?? {};
  if (positionals.length < min) throw new UsageError(`missing ${spec.positionals.names[positionals.length]}`);
  if (positionals.length > max) throw new UsageError(`unexpected argument ${JSON.stringify(positionals[max])}`);
  return { values, positionals, config };
}

function coerce(name, option, value) {
  switch (option.type) {
    case 'boolean':
      if (typeof value === 'boolean') return value;
      if (/^(1|true|yes|on)$/i.test(String(value))) return true;
      if (/^(0|false|no|off)$/i.test(String(value))) return false;
      throw new UsageError(`--${name} must be true or false, got ${JSON.stringify(value)}`);
    case 'integer': {
      const n = typeof value === 'number' ? value : Number(value);
      if (!Number.isSafeInteger(n) || n < (option.min ?? 0) || n > (option.max ?? Number.MAX_SAFE_INTEGER)) {
        throw new UsageError(`--${name} must be a whole number from ${option.min ?? 0} to ${option.max ?? 'any'}, got ${JSON.stringify(value)}`);
      }
      return n;
    }
    case 'choice':
      if (!option.choices.includes(value)) {
        throw new UsageError(`--${name} must be one of ${option.choices.join(', ')}, got ${JSON.stringify(value)}`);
      }
      return value;
    case 'list':
      return Array.isArray(value) ? value.flatMap((v) => String(v).split(',')) : String(value).split(',');
    default:
      if (typeof value !== 'string') throw new UsageError(`--${name} must be text, got ${JSON.stringify(value)}`);
      return value;
  }
}

/**
 * A secret: from `--<name>-file` (first line, trimmed), the environment variable, or the config
 * file. Never from a flag.
 */
export function readSecret({ name, env, envVar, file, config, required }) {
  if (file) {
    let text;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      throw new CliError(`cannot read --${name}-file ${file}: ${error.code ?? error.message}`);
    }
    const secret = text.split(/\r?\n/)[0].trim();
    if (!secret) throw new CliError(`--${name}-file ${file} is empty`);
    return secret;
  }
  const fromEnv = env[envVar];
  if (fromEnv) return fromEnv;
  const fromConfig = config?.[name] ?? config?.[camel(name)];
  if (typeof fromConfig === 'string' && fromConfig) return fromConfig;
  if (required) throw new UsageError(`a ${name} is required: set ${envVar} or use --${name}-file`);
  return undefined;
}
