/**
 * The Electron main process's entry. V8's garbage-collection flags (electron/core/gc-tuning.ts) are set before the
 * shell, the core and their dependencies load, because loading them is what first grows the young generation; so
 * the shell comes by a dynamic import. Electron emits `ready` only once this module has finished evaluating,
 * awaited import included, so everything the shell does before `ready` still happens before it.
 */
import { tuneGarbageCollection } from '../core/gc-tuning.ts';

tuneGarbageCollection();
await import('./shell.ts');
