import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { createClient } from '../../shared/api/client.ts';
import type { TesseraClient } from '../../shared/api/client.ts';
import { createHttpBridge } from '../../electron/cli/http-bridge.ts';

export const REPO_ROOT = join(import.meta.dirname, '..', '..');
export const CLI = join(REPO_ROOT, 'electron', 'cli', 'main.ts');
/** The built `tessera` command (`npm run build`): what `npm run serve` runs and the bench measures. */
export const BUILT_CLI = join(REPO_ROOT, 'out', 'main', 'cli.js');

let defaultEntry = CLI;

/** Which `tessera` the helpers start by default: the sources (tests) or the built command (the bench). */
export function useServeEntry(entry: string): void {
  defaultEntry = entry;
}

/** Environment for test processes: a cheap (but still real) scrypt so tests do not spend seconds per unlock. */
export function testEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  // No UPnP searches from test processes: no router of theirs exists and nothing should go beyond their hosts.
  return { ...process.env, TESSERA_INSECURE_FAST_KDF: '1', TESSERA_UPNP: '0', ...extra };
}

export function tempDataDir(label = 'tessera'): string {
  return mkdtempSync(join(tmpdir(), `${label}-`));
}

export interface ServeProcess {
  dataDir: string;
  port: number;
  token: string;
  url: string;
  pid: number;
  client: TesseraClient;
  child: ChildProcess;
  /** Everything the process wrote to stderr so far (its log). */
  log(): string;
  /** SIGTERM and wait for a clean exit; resolves with the exit code. */
  stop(): Promise<number | null>;
  /** SIGKILL, as a crash or power loss would. */
  kill(): Promise<void>;
}

export interface ServeOptions {
  dataDir?: string;
  listen?: string;
  env?: Record<string, string>;
  /** More `tessera serve` options, e.g. ['--relay']. */
  serveArgs?: string[];
  timeoutMs?: number;
  /** The `tessera` entry point to run (default: the sources, or what useServeEntry chose). */
  entry?: string;
}

/** Starts a real `tessera serve` process with its own data dir and returns a client speaking its HTTP API. */
export async function startServe(options: ServeOptions = {}): Promise<ServeProcess> {
  const dataDir = options.dataDir ?? tempDataDir();
  const args = [options.entry ?? defaultEntry, '--data', dataDir, '--json', 'serve', '--ui-port', '0'];
  args.push('--listen', options.listen ?? '/ip4/127.0.0.1/tcp/0', ...(options.serveArgs ?? []));
  const child = spawn(process.execPath, args, {
    env: testEnv(options.env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

  const started = await new Promise<{ url: string; port: number; pid: number }>((resolve, reject) => {
    const timer = setTimeout(
      () =>
        reject(new Error(`tessera serve did not start within ${options.timeoutMs ?? 20000} ms:\n${stderr}`)),
      options.timeoutMs ?? 20_000,
    );
    const lines = createInterface({ input: child.stdout });
    lines.once('line', (line) => {
      clearTimeout(timer);
      try {
        resolve(JSON.parse(line) as { url: string; port: number; pid: number });
      } catch {
        reject(new Error(`unexpected first line from serve: ${line}\n${stderr}`));
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`tessera serve exited with ${code} before starting:\n${stderr}`));
    });
  });
  const token = /#token=([0-9a-f]{64})/.exec(started.url)?.[1] ?? '';
  const client = createClient(createHttpBridge({ pid: started.pid, port: started.port, token }));
  return {
    dataDir,
    port: started.port,
    token,
    url: started.url,
    pid: started.pid,
    client,
    child,
    log: () => stderr,
    async stop() {
      if (child.exitCode !== null) return child.exitCode;
      child.kill('SIGTERM');
      return exited;
    },
    async kill() {
      if (child.exitCode !== null) return;
      child.kill('SIGKILL');
      await exited;
    },
  };
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs one `tessera` CLI command as a separate process. */
export function runCli(
  args: string[],
  options: { env?: Record<string, string>; input?: string } = {},
): Promise<CliResult> {
  return runCliOf(CLI, args, options);
}

/** Runs one command of a given `tessera` entry point (this code's, or the previous release's) as a separate process. */
export function runCliOf(
  entry: string,
  args: string[],
  options: { env?: Record<string, string>; input?: string } = {},
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [entry, ...args], {
      env: testEnv(options.env),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(options.input ?? '');
  });
}
