/**
 * The `tessera` command's entry (electron/cli/bin.js runs it from the sources, electron.vite.config.ts builds it as
 * out/main/cli.js). V8's garbage-collection flags (electron/core/gc-tuning.ts) are set before the commands, the core
 * and their dependencies load, because loading them is what first grows the young generation; so the rest comes by a
 * dynamic import.
 */
import { tuneGarbageCollection } from '../core/gc-tuning.ts';

tuneGarbageCollection();
const { main } = await import('./main.ts');
process.exitCode = await main(process.argv.slice(2));
