import { parseArgs } from 'node:util';
import { resolve } from 'node:path';
import { defaultDataDir } from '../core/data-dir.ts';
import type { Command } from './command.ts';
import { createOutput } from './output.ts';
import { UsageError } from './usage-error.ts';
import { vaultCommands } from './commands/vault-commands.ts';
import { itemCommands } from './commands/item-commands.ts';
import { serveCommand } from './commands/serve-command.ts';
import { meshCommands } from './commands/mesh-commands.ts';
import { recoverCommands } from './commands/recover-commands.ts';
import { transferCommands } from './commands/transfer-commands.ts';

export const commands: Command[] = [
  ...vaultCommands,
  serveCommand,
  ...itemCommands,
  ...transferCommands,
  ...meshCommands,
  ...recoverCommands,
];

const GLOBAL_OPTIONS = ['data', 'json', 'help'];
const OPTION_SPECS = {
  data: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  name: { type: 'string' },
  listen: { type: 'string' },
  'ui-port': { type: 'string' },
  custodians: { type: 'string' },
  threshold: { type: 'string' },
  friend: { type: 'string' },
  yes: { type: 'boolean' },
  relay: { type: 'boolean' },
  forgot: { type: 'boolean' },
  reject: { type: 'boolean' },
  'no-match': { type: 'boolean' },
  from: { type: 'string' },
  out: { type: 'string' },
  plain: { type: 'boolean' },
  'password-stdin': { type: 'boolean' },
  kind: { type: 'string' },
  username: { type: 'string' },
  url: { type: 'string', multiple: true },
  otpauth: { type: 'string' },
  wait: { type: 'string' },
  remote: { type: 'boolean' },
  'no-wait': { type: 'boolean' },
} as const;

function usage(): string {
  const width = Math.max(...commands.map((c) => c.usage.length));
  return [
    'Usage: tessera [--data DIR] [--json] COMMAND …',
    '',
    ...commands.map((c) => `  ${c.usage.padEnd(width)}  ${c.summary}`),
    '',
    'Global options:',
    '  --data DIR   data directory (default: the OS app-data dir, or TESSERA_DATA_DIR)',
    '  --json       machine-readable output on stdout; errors as {"error":{"code","message"}}',
    'The passphrase comes from TESSERA_PASSPHRASE or an interactive prompt.',
    'A code (pair, recover approve) given as - or left out is read from standard input, or asked for on a',
    'terminal, so it does not show in the process list.',
  ].join('\n');
}

function findCommand(words: string[]): { command: Command; rest: string[] } {
  // `tessera items …` is `tessera item …`: people type both.
  if (words[0] === 'items' && words.length > 1) words = ['item', ...words.slice(1)];
  const two = commands.find((c) => c.name === `${words[0]} ${words[1]}`);
  if (two) return { command: two, rest: words.slice(2) };
  const one = commands.find((c) => c.name === words[0]);
  if (one) return { command: one, rest: words.slice(1) };
  const known = commands.filter((c) => c.name.startsWith(`${words[0]} `)).map((c) => c.name);
  throw new UsageError(
    known.length
      ? `"${words.join(' ')}" is not a command; did you mean one of: ${known.join(', ')}?`
      : `Unknown command "${words[0] ?? ''}".`,
  );
}

/** Runs the CLI and returns its exit code: 0 done, 1 failed (with a named error), 2 bad usage. */
export async function main(argv: string[]): Promise<number> {
  const json = argv.includes('--json');
  const out = createOutput(json);
  try {
    let parsed;
    try {
      parsed = parseArgs({ args: argv, options: OPTION_SPECS, allowPositionals: true, strict: true });
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
    const { values, positionals } = parsed;
    if (values.help || positionals.length === 0) {
      process.stdout.write(`${usage()}\n`);
      return values.help ? 0 : 2;
    }
    const { command, rest } = findCommand(positionals);
    for (const key of Object.keys(values)) {
      if (!GLOBAL_OPTIONS.includes(key) && !(command.options ?? []).includes(key)) {
        throw new UsageError(`${command.name} does not take --${key}.`);
      }
    }
    const range = command.positionals ?? { min: 0, max: 0 };
    if (rest.length < range.min || rest.length > range.max) {
      throw new UsageError(`Wrong number of arguments. Usage: ${command.usage}`);
    }
    const dataDir = values.data ? resolve(values.data) : defaultDataDir();
    await command.run({ dataDir, out, args: rest, options: values });
    return 0;
  } catch (err) {
    if (err instanceof UsageError) {
      if (json)
        process.stdout.write(`${JSON.stringify({ error: { code: 'USAGE', message: err.message } })}\n`);
      process.stderr.write(`tessera: ${err.message}\nRun \`tessera --help\` for the list of commands.\n`);
      return 2;
    }
    out.error(err);
    return 1;
  }
}

if (import.meta.main) {
  process.exitCode = await main(process.argv.slice(2));
}
