import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { CLI, NODE, REPO_ROOT } from './paths.ts';

export interface Host {
  /** The address `tessera serve` printed, with its `#token=…`. */
  url: string;
  dataDir: string;
  child: ChildProcess;
  log(): string;
  /** SIGTERM (SIGKILL after 10 s); the temporary data dir is removed unless `keepData`. */
  stop(options?: { keepData?: boolean }): Promise<void>;
}

const UI_LINE = /Tessera UI: (http:\/\/\S+#token=[0-9a-f]{64})/;

/** Every host still running; killed if the test runner itself exits early, so no host outlives the suite. */
const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

export interface HostOptions {
  dataDir?: string;
  listen?: string;
  /** More `TESSERA_*` configuration for this host (e.g. shorter timers), over the test runner's environment. */
  env?: Record<string, string>;
}

/**
 * Starts a real `tessera serve` on its own temporary data dir and waits for the line
 * `Tessera UI: http://127.0.0.1:PORT/#token=…` on stdout.
 */
export async function startHost(options: HostOptions = {}): Promise<Host> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'tessera-ui-'));
  const args = [
    CLI,
    '--data',
    dataDir,
    'serve',
    '--ui-port',
    '0',
    '--listen',
    options.listen ?? '/ip4/127.0.0.1/tcp/0',
  ];
  const child = spawn(NODE, args, {
    cwd: REPO_ROOT,
    env: { ...process.env, TESSERA_INSECURE_FAST_KDF: '1', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  let output = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  const exited = new Promise<void>((resolve) =>
    child.once('exit', () => {
      running.delete(child);
      resolve();
    }),
  );

  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`tessera serve did not print its address:\n${output}`)),
      30_000,
    );
    const lines = createInterface({ input: child.stdout });
    lines.on('line', (line) => {
      output += `${line}\n`;
      const match = UI_LINE.exec(line);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`tessera serve exited before printing its address:\n${output}`));
    });
  });

  return {
    url,
    dataDir,
    child,
    log: () => output,
    async stop(stopOptions = {}) {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timeout = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(timeout);
      }
      if (!options.dataDir && !stopOptions.keepData) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
