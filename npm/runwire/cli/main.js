/**
 * The `runwire` command line: `listen`, `replay`, `dlq` and `worker`. Each command module exports
 * a `spec` (summary, usage, options) and `run(argv, ctx)`; this module routes, prints `--help`
 * from the specs, and turns errors into a clear message and an exit code: 2 for usage errors, 1
 * for failures, never a stack trace for an expected error.
 */
import { readFileSync } from 'node:fs';
import { createUi } from './ui.js';
import * as listen from './listen.js';
import * as replay from './replay.js';
import * as dlq from './dlq.js';
import * as worker from './worker.js';

const COMMANDS = { listen, replay, dlq, worker };

function version() {
  return JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).version;
}

function envHint(name, option) {
  if (option.secret) return '';
  return option.env ? ` [$${option.env}]` : ` [$RUNWIRE_${name.toUpperCase().replace(/-/g, '_')}]`;
}

function argHint(option) {
  switch (option.type) {
    case 'boolean': return '';
    case 'integer': return ' <n>';
    case 'choice': return ` <${option.choices.join('|')}>`;
    case 'list': return ' <a,b,…>';
    default: return ` <${option.arg ?? 'text'}>`;
  }
}

/** The help text of one command spec. */
export function helpText(spec) {
  const lines = [`${spec.summary}`, '', `usage: ${spec.usage}`];
  if (spec.subcommands) {
    lines.push('', 'commands:');
    for (const [name, sub] of Object.entries(spec.subcommands)) lines.push(`  ${name.padEnd(8)} ${sub.summary}`);
    lines.push('', `run "runwire dlq <command> --help" for its options`);
    return lines.join('\n');
  }
  lines.push('', 'options:');
  for (const [name, option] of Object.entries(spec.options)) {
    if (option.secret) continue;
    const flag = `${option.short ? `-${option.short}, ` : '    '}--${name}${argHint(option)}`;
    const def = option.default === undefined || option.default === false ? '' : ` (default ${option.default})`;
    lines.push(`  ${flag.padEnd(34)} ${option.description}${def}${envHint(name, option)}`);
  }
  lines.push(`  ${'    --config <file>'.padEnd(34)} read options from a JSON or TOML file`);
  lines.push(`  ${'-h, --help'.padEnd(34)} show this help`);
  const secrets = Object.entries(spec.options).filter(([, o]) => o.secret);
  if (secrets.length > 0) {
    lines.push('', 'secrets are never flags (they would show in ps): ' + secrets.map(([name, o]) => `$${o.env} or --${name}-file`).join('; '));
  }
  return lines.join('\n');
}

function mainHelp() {
  const lines = [
    `runwire ${version()} — signed, reliable delivery of LangChain.js agent events`,
    '',
    'usage: runwire <command> [options]',
    '',
    'commands:',
  ];
  for (const [name, command] of Object.entries(COMMANDS)) lines.push(`  ${name.padEnd(8)} ${command.spec.summary}`);
  lines.push('', 'run "runwire <command> --help" for its options');
  return lines.join('\n');
}

/**
 * @param {string[]} argv
 * @param {{ env?: object, stdout?: object, stderr?: object, signal?: AbortSignal }} [io]
 * @returns {Promise<number>} the exit code
 */
export async function main(argv, io = {}) {
  const env = io.env ?? process.env;
  const ui = createUi({ stdout: io.stdout, stderr: io.stderr, env });
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    ui.out(mainHelp());
    return name === undefined ? 2 : 0;
  }
  if (name === '--version' || name === '-v') {
    ui.out(version());
    return 0;
  }
  const command = COMMANDS[name];
  if (command === undefined) {
    const { closest } = await import('./options.js');
    const guess = closest(name, Object.keys(COMMANDS));
    ui.err(`runwire: unknown command "${name}"${guess ? ` (did you mean "${guess}"?)` : ''}; see runwire --help`);
    return 2;
  }
  try {
    const runwire = await import('../node/index.js');
    const result = await command.run(rest, {
      env, ui, runwire, signal: io.signal,
      help: (spec) => {
        ui.out(helpText(spec));
        return 0;
      },
    });
    if (result === 'help') {
      ui.out(helpText(command.spec));
      return 0;
    }
    return result;
  } catch (error) {
    if (error.exitCode !== undefined) {
      ui.err(`runwire ${name}: ${error.message}`);
      if (error.exitCode === 2) ui.err(`usage: ${command.spec.usage}  (see runwire ${name} --help)`);
      return error.exitCode;
    }
    ui.err(`runwire ${name}: ${error.code ? `${error.code}: ` : ''}${error.message}`);
    return 1;
  }
}
