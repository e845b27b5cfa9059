import { join } from 'node:path';

/**
 * Where the shell's files are at run time. The main bundle is out/main/index.js (also inside app.asar when
 * packaged), so everything is found relative to it; resources/ sits beside out/ (electron-builder.yml copies both).
 */
const mainDir = import.meta.dirname;

export const shellPaths = {
  preload: join(mainDir, '..', 'preload', 'index.cjs'),
  renderer: join(mainDir, '..', 'renderer'),
  resources: join(mainDir, '..', '..', 'resources'),
};

export function resourcePath(...parts: string[]): string {
  return join(shellPaths.resources, ...parts);
}
