/**
 * The previous release, built once per machine and run beside the current sources (PROTOCOL, "Compatibility between
 * releases"). `tests/compat/previous-release.json` names it; this helper checks the commit is in the clone, makes a
 * git worktree of it in a cache directory (node_modules/.cache, never tracked), runs `npm ci` and `npm run build`
 * there and writes a marker only once both succeeded, so an interrupted build is redone and a finished one is reused.
 * Whatever prevents it (a shallow clone, no npm registry, a build error) is returned as a plain reason for the test
 * to print and skip: nothing is faked.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import { REPO_ROOT } from './serve-process.ts';

const PreviousReleaseFile = z.object({
  commit: z.string().regex(/^[0-9a-f]{40}$/, 'the full 40-digit commit hash'),
  description: z.string().min(1),
  date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
});
export type PreviousReleaseFile = z.infer<typeof PreviousReleaseFile>;

export const PREVIOUS_RELEASE_FILE = join(REPO_ROOT, 'tests', 'compat', 'previous-release.json');

/** What tests/compat/previous-release.json says. */
export function previousReleaseFile(): PreviousReleaseFile {
  return PreviousReleaseFile.parse(JSON.parse(readFileSync(PREVIOUS_RELEASE_FILE, 'utf8')));
}

export interface PreviousRelease extends PreviousReleaseFile {
  /** The built worktree. */
  dir: string;
  /** Its built `tessera` command (`out/main/cli.js`), run by this Node (24). */
  cli: string;
  /** How long preparing it took this time (0 when the cached build was reused as is). */
  buildMs: number;
}

export type Prepared = { ok: true; release: PreviousRelease } | { ok: false; reason: string };

const MARKER = '.tessera-previous-built.json';
const BUILD_TIMEOUT_MS = 15 * 60_000;

interface Run {
  code: number | null;
  output: string;
}

function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      command,
      args,
      { cwd, env, maxBuffer: 64 * 1024 * 1024, timeout: BUILD_TIMEOUT_MS },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        resolve({ code, output: `${stdout}${stderr}${err && code !== 0 ? `\n${err.message}` : ''}` });
      },
    );
  });
}

const tail = (text: string, lines = 15) => text.trim().split('\n').slice(-lines).join('\n');

/**
 * The environment npm runs in: this Node (24) first on PATH, so install scripts and the build run on the Node the
 * project requires (the machine's own may be older), and no Electron binary download: `serve` and the CLI never
 * load Electron, and where only the npm registry is reachable that download fails (package.json `allowScripts`
 * already keeps npm from running it; the variable says the same to an npm that ignores that field).
 */
function npmEnv(): NodeJS.ProcessEnv {
  return {
    ...process.env,
    PATH: `${dirname(process.execPath)}:${process.env.PATH ?? ''}`,
    ELECTRON_SKIP_BINARY_DOWNLOAD: '1',
    npm_config_audit: 'false',
    npm_config_fund: 'false',
    npm_config_update_notifier: 'false',
  };
}

/** An exclusive lock on the cache entry (mkdir is atomic); a lock whose process is gone is taken over. */
async function withLock<T>(lockDir: string, fn: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + BUILD_TIMEOUT_MS;
  for (;;) {
    try {
      mkdirSync(lockDir);
      writeFileSync(join(lockDir, 'pid'), String(process.pid));
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      let holder = 0;
      try {
        holder = Number(readFileSync(join(lockDir, 'pid'), 'utf8'));
      } catch {
        // Just created, pid not written yet: wait.
      }
      let alive = true;
      if (holder > 0) {
        try {
          process.kill(holder, 0);
        } catch {
          alive = false;
        }
      }
      if (!alive) {
        rmSync(lockDir, { recursive: true, force: true });
        continue;
      }
      if (Date.now() > deadline)
        throw new Error(`the previous release's build lock is held by pid ${holder}`);
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(lockDir, { recursive: true, force: true });
  }
}

/** Builds (or reuses) the previous release named in tests/compat/previous-release.json. */
export async function preparePreviousRelease(log: (line: string) => void = () => {}): Promise<Prepared> {
  const named = previousReleaseFile();
  const git = (...args: string[]) => run('git', args, REPO_ROOT, process.env);
  if ((await git('cat-file', '-e', `${named.commit}^{commit}`)).code !== 0) {
    const shallow = (await git('rev-parse', '--is-shallow-repository')).output.trim() === 'true';
    return {
      ok: false,
      reason:
        `the previous release ${named.commit.slice(0, 7)} (${named.description}) is not in this clone` +
        (shallow ? ' (a shallow clone: fetch with more history, e.g. `git fetch --unshallow`)' : ''),
    };
  }
  const cacheRoot = join(REPO_ROOT, 'node_modules', '.cache', 'tessera-previous');
  const dir = join(cacheRoot, named.commit);
  const marker = join(dir, MARKER);
  const release = (buildMs: number): Prepared => ({
    ok: true,
    release: { ...named, dir, cli: join(dir, 'out', 'main', 'cli.js'), buildMs },
  });
  mkdirSync(cacheRoot, { recursive: true });
  return withLock(`${dir}.lock`, async () => {
    if (existsSync(marker) && existsSync(join(dir, 'out', 'main', 'cli.js'))) return release(0);
    const started = Date.now();
    log(`building the previous release ${named.commit.slice(0, 7)} (${named.description}) in ${dir}`);
    // An incomplete earlier attempt: start again from a clean worktree.
    rmSync(dir, { recursive: true, force: true });
    await git('worktree', 'prune');
    const added = await git('worktree', 'add', '--force', '--detach', dir, named.commit);
    if (added.code !== 0)
      return { ok: false, reason: `git worktree add of the previous release failed:\n${tail(added.output)}` };
    const env = npmEnv();
    const install = await run('npm', ['ci', '--no-audit', '--no-fund'], dir, env);
    if (install.code !== 0)
      return {
        ok: false,
        reason: `npm ci in the previous release failed (is the npm registry reachable?):\n${tail(install.output)}`,
      };
    const build = await run('npm', ['run', 'build'], dir, env);
    if (build.code !== 0)
      return { ok: false, reason: `npm run build of the previous release failed:\n${tail(build.output)}` };
    writeFileSync(
      marker,
      JSON.stringify({ commit: named.commit, builtAt: new Date().toISOString(), node: process.version }) +
        '\n',
    );
    log(`built the previous release in ${((Date.now() - started) / 1000).toFixed(0)} s`);
    return release(Date.now() - started);
  });
}

export { runCliOf } from './serve-process.ts';
