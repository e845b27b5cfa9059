/**
 * `npm start`: builds the app if needed and launches it in Electron. This file runs under plain Node and never
 * imports electron; it only looks for the binary the `electron` npm package downloads.
 *
 * If the binary is missing (its download is denied at install time here, see package.json `allowScripts`), it
 * tries the package's own installer once; if that fails too, it says so plainly and points to `npm run serve`,
 * which opens the same UI in a browser, and exits non-zero.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..', '..');
const electronDir = join(root, 'node_modules', 'electron');

/** The same lookup as node_modules/electron/index.js, without loading it (it throws when the binary is absent). */
export function electronBinaryPath(env: NodeJS.ProcessEnv = process.env): string | null {
  let relative: string | null = null;
  try {
    relative = readFileSync(join(electronDir, 'path.txt'), 'utf8').trim();
  } catch {
    relative = null;
  }
  if (env.ELECTRON_OVERRIDE_DIST_PATH) return join(env.ELECTRON_OVERRIDE_DIST_PATH, relative || 'electron');
  return relative ? join(electronDir, 'dist', relative) : null;
}

export function electronInstalled(env: NodeJS.ProcessEnv = process.env): boolean {
  const path = electronBinaryPath(env);
  return path !== null && existsSync(path);
}

const OUTPUTS = ['out/main/index.js', 'out/preload/index.cjs', 'out/renderer/index.html'];
const SOURCES = ['electron', 'shared', 'renderer', 'electron.vite.config.ts'];

function newestMtime(path: string): number {
  const stats = statSync(path);
  if (!stats.isDirectory()) return stats.mtimeMs;
  let newest = stats.mtimeMs;
  for (const name of readdirSync(path)) {
    if (name === 'node_modules') continue;
    newest = Math.max(newest, newestMtime(join(path, name)));
  }
  return newest;
}

function buildIsCurrent(): boolean {
  const outputs = OUTPUTS.map((p) => join(root, p));
  if (!outputs.every((p) => existsSync(p))) return false;
  const built = Math.min(...outputs.map((p) => statSync(p).mtimeMs));
  const sources = Math.max(
    ...SOURCES.map((p) => join(root, p))
      .filter(existsSync)
      .map(newestMtime),
  );
  return built >= sources;
}

function build(): void {
  if (buildIsCurrent()) return;
  console.log('Building Tessera (npm run build)…');
  const result = spawnSync(
    process.execPath,
    [join(root, 'node_modules/electron-vite/bin/electron-vite.js'), 'build'],
    {
      cwd: root,
      stdio: 'inherit',
    },
  );
  if (result.status !== 0) {
    console.error('The build failed; see the messages above.');
    process.exit(result.status ?? 1);
  }
}

/** Runs the electron package's installer (it downloads the binary from GitHub, where the network allows). */
function tryInstallElectron(): string | null {
  console.log(
    'The Electron binary is not installed; trying to download it (node node_modules/electron/install.js)…',
  );
  const result = spawnSync(process.execPath, [join(electronDir, 'install.js')], {
    cwd: electronDir,
    encoding: 'utf8',
    timeout: 300_000,
  });
  if (result.status === 0 && electronInstalled()) return null;
  const lines = `${result.stderr ?? ''}\n${result.error?.message ?? ''}`.split('\n').filter((l) => l.trim());
  return lines[0]?.trim() ?? `installer exited with ${String(result.status)}`;
}

function explainMissing(reason: string | null): never {
  console.error(
    [
      '',
      'Electron is not installed on this machine, so the desktop app cannot start.',
      `  Why: the Electron binary (${electronBinaryPath() ?? 'node_modules/electron/dist/…'}) is missing. It is`,
      '  downloaded from GitHub when the electron package installs; here that download is denied',
      '  (package.json "allowScripts") and retrying it failed' + (reason ? `: ${reason}` : '.'),
      '  What to do: on a machine that can reach GitHub, run `node node_modules/electron/install.js`',
      '  (or reinstall with the electron install script allowed), then `npm start` again.',
      '  Meanwhile `npm run serve` opens the same UI in your browser, backed by the same core.',
      '',
    ].join('\n'),
  );
  process.exit(1);
}

function launch(args: string[]): void {
  const binary = electronBinaryPath();
  if (!binary) explainMissing(null);
  if (process.getuid?.() === 0 && !args.includes('--no-sandbox')) {
    console.warn(
      'Note: Chromium refuses to run as root with its sandbox on. Run Tessera as a normal user ' +
        '(or, in a throwaway CI container only, pass --no-sandbox).',
    );
  }
  const env = { ...process.env };
  delete env.ELECTRON_RUN_AS_NODE;
  const child = spawn(binary, [root, ...args], { cwd: root, stdio: 'inherit', env });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => child.kill(signal));
  }
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
  child.on('error', (err) => {
    console.error(`Could not start Electron (${binary}): ${err.message}`);
    process.exit(1);
  });
}

function main(): void {
  const args = process.argv.slice(2);
  build();
  if (!electronInstalled()) {
    const reason = tryInstallElectron();
    if (!electronInstalled()) explainMissing(reason);
  }
  launch(args);
}

if (import.meta.main) main();
