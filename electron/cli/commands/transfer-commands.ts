import { readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { CliExport, CliImport } from '../../../shared/api/cli-output.ts';
import { ImportSource, MAX_IMPORT_BYTES, type ImportPreview } from '../../../shared/api/ops/transfer.ts';
import { TesseraError, TooLargeError } from '../../../shared/errors.ts';
import { isEncryptedExport } from '../../../shared/formats/export-file.ts';
import { describeKindCounts } from '../../../shared/items/kinds.ts';
import { writeFileAtomic } from '../../core/atomic-file.ts';
import { askYesNo } from '../ask-yes-no.ts';
import type { Command, CommandContext } from '../command.ts';
import { withClient } from '../connect.ts';
import { askHidden, readStdin } from '../passphrase.ts';
import { UsageError } from '../usage-error.ts';

const KDBX = [0x03, 0xd9, 0xa2, 0x9a, 0x67, 0xfb, 0x4b, 0xb5];

/** With --password-stdin: the lines of standard input (the password first, then the answer to the question). */
async function stdinLines(ctx: CommandContext): Promise<string[] | null> {
  if (!ctx.options['password-stdin']) return null;
  return (await readStdin()).split(/\r?\n/);
}

function describe(p: ImportPreview): string {
  const lines = [
    `${p.source}: ${p.total} entr${p.total === 1 ? 'y' : 'ies'}; ${p.count} will be added.`,
    ...(p.count > 0 ? [`To be added: ${describeKindCounts(p.kinds)}.`] : []),
    ...(p.duplicates.length
      ? [
          `${p.duplicates.length} ${p.duplicates.length === 1 ? 'looks like an item' : 'look like items'} already in the vault (same title and secret), left out:`,
          ...p.duplicates.slice(0, 20).map((d) => `  ${d.title}`),
        ]
      : []),
    ...(p.skipped.length
      ? ['Cannot be imported:', ...p.skipped.map((s) => `  ${s.title}: ${s.reason}`)]
      : []),
    ...(p.intoNotes.length
      ? [`Put into the notes (items have no field for them yet): ${p.intoNotes.join(', ')}.`]
      : []),
    ...(p.unmapped.length ? [`Left out: ${p.unmapped.join(', ')}.`] : []),
  ];
  return lines.join('\n');
}

export const transferCommands: Command[] = [
  {
    name: 'import',
    usage: 'tessera import FILE --from bitwarden|keepass|1password|tessera [--yes] [--password-stdin]',
    summary: 'Import another app’s export (or a Tessera export): shows what it will do, then asks.',
    options: ['from', 'yes', 'password-stdin'],
    positionals: { min: 1, max: 1 },
    async run(ctx) {
      const from = ImportSource.safeParse(ctx.options.from);
      if (!from.success)
        throw new UsageError('--from must be one of bitwarden, keepass, 1password, tessera.');
      const path = resolve(ctx.args[0]!);
      if (statSync(path).size > MAX_IMPORT_BYTES)
        throw new TooLargeError(
          `${path} is larger than ${MAX_IMPORT_BYTES / 1024 / 1024} MiB. Nothing was imported.`,
        );
      const bytes = readFileSync(path);
      const lines = await stdinLines(ctx);
      const locked =
        (from.data === 'keepass' && KDBX.every((b, i) => bytes[i] === b)) ||
        (from.data === 'tessera' && isEncryptedExport(bytes));
      let password = lines?.[0];
      if (locked && password === undefined) {
        if (!process.stdin.isTTY)
          throw new TesseraError(
            'BAD_REQUEST',
            'This file needs its password: pass it with --password-stdin.',
          );
        password = await askHidden(
          from.data === 'keepass' ? 'KeePass database password: ' : 'Export passphrase: ',
        );
      }
      await withClient(ctx.dataDir, { allowDirect: true, unlock: true }, async (client) => {
        const preview = await client.call('items.importPreview', {
          format: from.data,
          dataBase64: bytes.toString('base64'),
          ...(locked && password !== undefined ? { password } : {}),
        });
        ctx.out.info(describe(preview));
        let go = ctx.options.yes === true || preview.count === 0;
        if (!go)
          go = lines
            ? /^\s*y(es)?\s*$/i.test(lines[1] ?? '')
            : await askYesNo(`Import ${preview.count} item${preview.count === 1 ? '' : 's'}? [y/N] `);
        const result = go
          ? await client.call('items.importCommit', { token: preview.token })
          : { imported: 0, duplicates: preview.duplicates.length, skipped: preview.skipped.length };
        ctx.out.result(CliImport, result, (r) =>
          go ? `Imported ${r.imported} item${r.imported === 1 ? '' : 's'}.` : 'Nothing was imported.',
        );
      });
    },
  },
  {
    name: 'export',
    usage: 'tessera export --out FILE [--plain] [--yes] [--password-stdin]',
    summary:
      'Export every item to a file encrypted under a passphrase of its own (or, with --plain, not encrypted).',
    options: ['out', 'plain', 'yes', 'password-stdin'],
    async run(ctx) {
      if (typeof ctx.options.out !== 'string') throw new UsageError('export needs --out FILE.');
      const out = resolve(ctx.options.out);
      const plain = ctx.options.plain === true;
      const lines = await stdinLines(ctx);
      let passphrase: string | undefined;
      if (plain) {
        ctx.out.info(
          'WARNING: a plain export is NOT encrypted. Anyone who gets the file, or a copy of it (a synced folder, a backup, a mail), reads every secret in it.',
        );
        const ok =
          ctx.options.yes === true ||
          (lines ? /^\s*y(es)?\s*$/i.test(lines[0] ?? '') : await askYesNo('Write it anyway? [y/N] '));
        if (!ok) throw new TesseraError('BAD_REQUEST', 'Nothing was written.');
      } else if (lines) {
        passphrase = lines[0] ?? '';
      } else if (process.stdin.isTTY) {
        passphrase = await askHidden('Passphrase for the export (not your vault passphrase): ');
        if ((await askHidden('Repeat it: ')) !== passphrase)
          throw new TesseraError('BAD_REQUEST', 'The two passphrases differ. Nothing was written.');
      } else {
        throw new TesseraError(
          'BAD_REQUEST',
          'The export needs a passphrase of its own: pass it with --password-stdin.',
        );
      }
      if (passphrase === '')
        throw new TesseraError('BAD_REQUEST', 'The export passphrase is empty. Nothing was written.');
      await withClient(ctx.dataDir, { allowDirect: true, unlock: true }, async (client) => {
        const result = await client.call('items.export', {
          plain,
          plainUnderstood: plain,
          ...(passphrase !== undefined ? { passphrase } : {}),
        });
        writeFileAtomic(out, Buffer.from(result.dataBase64, 'base64'), 0o600);
        ctx.out.result(
          CliExport,
          { out, items: result.items, encrypted: result.encrypted },
          (r) =>
            `Exported ${r.items} item${r.items === 1 ? '' : 's'} to ${r.out}${r.encrypted ? '' : ' (NOT encrypted)'}.`,
        );
      });
    },
  },
];
