import { readFile, stat } from 'node:fs/promises';
import { extname, resolve, sep } from 'node:path';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
};

export interface StaticFile {
  body: Buffer;
  contentType: string;
}

/**
 * Maps a URL path to a file inside `root`, refusing anything that would leave it (`..`, encoded or not, absolute
 * paths, NUL bytes). Returns null for "not found".
 */
export async function readStaticFile(root: string, urlPath: string): Promise<StaticFile | null> {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return null;
  }
  if (decoded.includes('\0')) return null;
  const relative = decoded === '/' ? 'index.html' : decoded.replace(/^\/+/, '');
  const rootAbs = resolve(root);
  const target = resolve(rootAbs, relative);
  if (target !== rootAbs && !target.startsWith(rootAbs + sep)) return null;
  try {
    const info = await stat(target);
    if (!info.isFile()) return null;
    return {
      body: await readFile(target),
      contentType: TYPES[extname(target)] ?? 'application/octet-stream',
    };
  } catch {
    return null;
  }
}
