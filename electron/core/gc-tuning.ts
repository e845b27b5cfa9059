/**
 * V8 garbage-collection settings for the long-running process (the tray app's main process, `tessera serve`).
 *
 * A backup moving through this process churns large ArrayBuffers: sealed chunks, 1 MiB frames, libp2p's decrypted
 * Noise frames (a few hundred MiB of them for every 100 MiB a custodian receives). V8 before 14.8 counts every byte
 * allocated in ArrayBuffers since the last mark-compact, dead or alive, and starts a full collection every few tens of
 * megabytes of them, many times for every backup a custodian receives. With
 * `--external-memory-accounted-in-global-limit` V8 counts what the buffers still hold, within the same limit as the
 * heap; a custodian then runs a few, and a re-share uses less CPU on both sides. The cost: dead buffers wait longer
 * for collection, so a process holds more memory during a transfer. Figures: docs/PERFORMANCE.md, "Fan-out".
 *
 * V8 14.8 made this the default and removed the flag (V8 513bb22991 and cf511a65ad, crbug 361124432); Node 24 runs
 * V8 13.6 and Electron 41 V8 14.6. So the flag is set where V8 is older than 14.8, at run time (a command-line flag
 * would be refused by a V8 that does not know it, and NODE_OPTIONS does not take V8 flags): V8 reads it whenever it
 * computes the next limit.
 */
import { setFlagsFromString } from 'node:v8';

const FLAG = '--external-memory-accounted-in-global-limit';

/** Whether V8 `version` (as in process.versions.v8, e.g. "13.6.233.17-node.44") needs the flag: before 14.8. */
export function needsExternalMemoryFlag(version: string): boolean {
  const [major = 0, minor = 0] = version.split('.').map((part) => Number.parseInt(part, 10));
  return major < 14 || (major === 14 && minor < 8);
}

let tuned = false;

/** Sets the flag once per process, where this V8 needs it. */
export function tuneGarbageCollection(): void {
  if (tuned) return;
  tuned = true;
  if (needsExternalMemoryFlag(process.versions.v8)) setFlagsFromString(FLAG);
}
