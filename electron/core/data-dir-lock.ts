import { openSync, writeSync, closeSync, readFileSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { TesseraError } from '../../shared/errors.ts';

export class DataDirBusyError extends TesseraError {
  constructor(dir: string, pid: number) {
    super(
      'DATA_DIR_BUSY',
      `Another Tessera process (pid ${pid}) is using ${dir}. Talk to it (it serves the local API) or stop it first.`,
    );
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Reads who holds the data dir, if a live process does. */
export function lockHolder(dir: string): number | null {
  try {
    const pid = Number.parseInt(readFileSync(join(dir, 'tessera.lock'), 'utf8'), 10);
    return Number.isInteger(pid) && pid > 0 && isAlive(pid) ? pid : null;
  } catch {
    return null;
  }
}

/**
 * One process owns a data dir at a time (the app, `tessera serve`, or a one-shot CLI command). A lock left by a
 * dead process is taken over.
 */
export class DataDirLock {
  private released = false;
  private readonly path: string;

  private constructor(path: string) {
    this.path = path;
  }

  static acquire(dir: string): DataDirLock {
    const path = join(dir, 'tessera.lock');
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        const fd = openSync(path, 'wx', 0o600);
        writeSync(fd, String(process.pid));
        closeSync(fd);
        return new DataDirLock(path);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
        const holder = lockHolder(dir);
        if (holder !== null && holder !== process.pid) throw new DataDirBusyError(dir, holder);
        unlinkSync(path); // stale: its process is gone
      }
    }
    throw new TesseraError('DATA_DIR_BUSY', `Could not lock ${dir}.`);
  }

  release(): void {
    if (this.released) return;
    this.released = true;
    try {
      unlinkSync(this.path);
    } catch {
      // already gone
    }
  }
}
