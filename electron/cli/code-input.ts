import { readSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { UsageError } from './usage-error.ts';

/** Longest line read as a code: invite and recovery codes are far shorter. */
const MAX_CODE_CHARS = 4096;

/**
 * Reads one line from standard input, byte by byte, so that what follows it (say, the answer to a later y/N
 * question) stays unread for the next reader. Synchronous on purpose: process.stdin must not have started
 * buffering yet.
 */
function readOneLine(): string {
  const bytes: number[] = [];
  const one = Buffer.alloc(1);
  for (;;) {
    let n: number;
    try {
      n = readSync(0, one, 0, 1, null);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EAGAIN') {
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10); // non-blocking pipe: wait for input
        continue;
      }
      if (code === 'EOF') break;
      throw err;
    }
    if (n === 0 || one[0] === 0x0a) break;
    bytes.push(one[0]!);
    if (bytes.length > MAX_CODE_CHARS) throw new UsageError('The code read from standard input is too long.');
  }
  return Buffer.from(bytes).toString('utf8');
}

function ask(prompt: string): Promise<string> {
  const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
  return new Promise((resolve) => {
    let answered = false;
    rl.question(prompt, (answer) => {
      answered = true;
      rl.close();
      resolve(answer);
    });
    rl.once('close', () => {
      if (!answered) resolve('');
    });
  });
}

/**
 * The code a command was given. A code on the command line is visible to every user of the machine (`ps`), so
 * `-` or no argument reads it instead: asked for on a terminal, else the first line of standard input.
 */
export async function readCode(arg: string | undefined, what: string, usage: string): Promise<string> {
  if (arg !== undefined && arg !== '-') return arg;
  const code = (process.stdin.isTTY ? await ask(`${what}: `) : readOneLine()).trim();
  if (code === '')
    throw new UsageError(
      `No ${what.toLowerCase()} was given (argument, standard input or prompt). Usage: ${usage}`,
    );
  return code;
}
