import { mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { writeFileAtomic } from '../core/atomic-file.ts';

/**
 * Small facts the desktop shell remembers between runs (not vault data): so far only whether the person has been
 * told that closing the window keeps Tessera running in the tray. A missing or unreadable file means defaults.
 */
export interface ShellState {
  closeNoticeShown: boolean;
}

const DEFAULTS: ShellState = { closeNoticeShown: false };

export class ShellStateStore {
  private readonly path: string;
  private state: ShellState;

  constructor(path: string) {
    this.path = path;
    this.state = ShellStateStore.read(path);
  }

  private static read(path: string): ShellState {
    try {
      const parsed: unknown = JSON.parse(readFileSync(path, 'utf8'));
      if (parsed && typeof parsed === 'object' && 'closeNoticeShown' in parsed) {
        return { closeNoticeShown: parsed.closeNoticeShown === true };
      }
    } catch {
      // Missing or corrupt: start from defaults; the next write replaces it atomically.
    }
    return { ...DEFAULTS };
  }

  get(): Readonly<ShellState> {
    return this.state;
  }

  update(patch: Partial<ShellState>): void {
    this.state = { ...this.state, ...patch };
    try {
      mkdirSync(dirname(this.path), { recursive: true, mode: 0o700 });
      writeFileAtomic(this.path, `${JSON.stringify(this.state, null, 2)}\n`);
    } catch (err) {
      console.warn('[tessera] could not save shell state:', err);
    }
  }
}
