import { app } from 'electron';

/**
 * One Tessera window per data dir: the lock lives in userData, which index.ts points at the data dir before
 * calling this. A second launch hands its argv to the first (which shows its window) and exits.
 * Returns false when another instance already runs; the caller must then quit without doing anything else.
 */
export function acquireSingleInstance(onSecondInstance: (argv: string[]) => void): boolean {
  if (!app.requestSingleInstanceLock()) return false;
  app.on('second-instance', (_event, argv) => onSecondInstance(argv));
  return true;
}
