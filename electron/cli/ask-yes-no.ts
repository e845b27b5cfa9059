import { createInterface } from 'node:readline';

/** Asks y/N on the terminal (or reads one line of piped input); anything but y/yes is no. */
export function askYesNo(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: process.stdin.isTTY });
  return new Promise((resolve) => {
    let answered = false;
    rl.question(question, (answer) => {
      answered = true;
      rl.close();
      resolve(/^\s*y(es)?\s*$/i.test(answer));
    });
    rl.once('close', () => {
      if (!answered) resolve(false);
    });
  });
}
