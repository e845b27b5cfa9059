import { join } from 'node:path';

export const REPO_ROOT = join(import.meta.dirname, '..', '..', '..');
/** Node 24 from the `node` package (the system Node is too old for the host). */
export const NODE = join(REPO_ROOT, 'node_modules', '.bin', 'node');
export const CLI = join(REPO_ROOT, 'electron', 'cli', 'main.ts');
export const SCREENS_DIR = join(REPO_ROOT, 'test-results', 'screens');
