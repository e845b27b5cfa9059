import type { WebPreferences } from 'electron';

/**
 * A read-only view of the shell's state, published on the main process's globalThis under
 * `Symbol.for('tessera.shell')`. Only main-process code can reach it (the renderer is isolated and sandboxed, and
 * packaged builds disable the inspector with fuses); the Electron tests read it with `electronApp.evaluate`.
 */
export interface ShellDiagnostics {
  readonly dataDir: string;
  readonly webPreferences: Readonly<WebPreferences>;
  trayRunning(): boolean;
  trayMenuLabels(): string[];
  windowVisible(): boolean;
  /** The shell's own guarded path to the system browser (what links and window.open use). */
  openExternal(url: string): Promise<boolean>;
}

export const DIAGNOSTICS_KEY = Symbol.for('tessera.shell');

export function publishDiagnostics(diagnostics: ShellDiagnostics): void {
  Object.defineProperty(globalThis, DIAGNOSTICS_KEY, {
    value: Object.freeze(diagnostics),
    configurable: false,
    writable: false,
    enumerable: false,
  });
}
