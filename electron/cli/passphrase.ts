import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';
import { TesseraError } from '../../shared/errors.ts';
import { isLongEnoughPassphrase, PASSPHRASE_TOO_SHORT } from '../../shared/passphrase-rules.ts';

/**
 * Reads the passphrase from TESSERA_PASSPHRASE, or asks on the terminal without echoing it. `confirm`: a new
 * passphrase; on a terminal one too short is refused before it is asked again, in the contract's words (from
 * TESSERA_PASSPHRASE it goes to the contract as it is, which answers the same).
 */
export async function readPassphrase(prompt: string, options: { confirm?: boolean } = {}): Promise<string> {
  const fromEnv = passphraseFromEnvironment();
  if (fromEnv !== null) return fromEnv;
  if (!process.stdin.isTTY) {
    throw new TesseraError(
      'BAD_REQUEST',
      'A passphrase is needed. Set TESSERA_PASSPHRASE or run this command in a terminal to be asked for it.',
    );
  }
  const first = await askHidden(prompt);
  if (options.confirm) {
    if (!isLongEnoughPassphrase(first)) throw new TesseraError('BAD_REQUEST', PASSPHRASE_TOO_SHORT);
    const second = await askHidden('Repeat the passphrase: ');
    if (first !== second)
      throw new TesseraError('BAD_REQUEST', 'The two passphrases differ. Nothing was created.');
  }
  return first;
}

/** TESSERA_PASSPHRASE, or null when it is not set (an empty value counts as not set). */
export function passphraseFromEnvironment(): string | null {
  const value = process.env.TESSERA_PASSPHRASE;
  return value === undefined || value === '' ? null : value;
}

export function askHidden(prompt: string): Promise<string> {
  let muted = false;
  const output = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      if (!muted) process.stderr.write(chunk);
      callback();
    },
  });
  const rl = createInterface({ input: process.stdin, output, terminal: true });
  return new Promise((resolve) => {
    rl.question(prompt, (answer) => {
      rl.close();
      process.stderr.write('\n');
      resolve(answer);
    });
    muted = true;
  });
}

/** Reads all of standard input (for secrets passed with a pipe). */
export async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
}
