import { readFile, realpath, stat } from 'node:fs/promises';
import { extname, isAbsolute, relative, resolve, sep } from 'node:path';

/**
 * The built renderer's files, for both ways the UI is served: the desktop shell's app:// protocol
 * (electron/main/renderer-files.ts) and the headless host's HTTP server (http-host.ts). One guard for both: only
 * files inside the root, also after following symlinks; encoded dots, encoded slashes, backslashes and NUL in the
 * path are refused outright rather than interpreted (docs/SECURITY.md, "A malicious web page … against the local
 * API"). Pure Node, so it is tested directly.
 */

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.wasm': 'application/wasm',
  '.txt': 'text/plain; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
};

export type Refusal = { ok: false; status: 400 | 403 | 404; reason: string };
export type PathDecision = { ok: true; path: string } | Refusal;
export type FileAnswer = { ok: true; body: Buffer; contentType: string } | Refusal;

function outside(rel: string): boolean {
  return rel === '' || rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel);
}

/**
 * Maps the path of an absolute URL (`app://tessera/…`, `http://127.0.0.1:PORT/…`) to a file path inside `root`, or
 * says why not. Whose URL it may be is the caller's check. Does not touch the file system.
 */
export function resolveUiPath(root: string, url: string): PathDecision {
  // The raw text, not the parsed URL: parsers may already have collapsed "%2e%2e" into "..".
  const rawPath = url.replace(/^[a-z]+:\/\/[^/?#]*/i, '').split(/[?#]/, 1)[0] ?? '';
  if (/%2e|%2f|%5c|%00|\\/i.test(rawPath)) {
    return { ok: false, status: 400, reason: 'encoded dot, slash or backslash in path' };
  }
  let decoded: string;
  try {
    decoded = decodeURIComponent(new URL(url).pathname);
  } catch {
    return { ok: false, status: 400, reason: 'malformed percent-encoding' };
  }
  if (decoded.includes('\0')) return { ok: false, status: 400, reason: 'NUL in path' };
  if (decoded.split('/').some((s) => s === '..' || s === '.')) {
    return { ok: false, status: 400, reason: 'dot segment in path' };
  }
  const wanted = decoded === '' || decoded === '/' ? '/index.html' : decoded;
  const base = resolve(root);
  const full = resolve(base, `.${wanted}`);
  if (outside(relative(base, full))) return { ok: false, status: 403, reason: 'outside the renderer root' };
  return { ok: true, path: full };
}

/** The file an absolute URL names inside `root`, once its real path (symlinks followed) is inside the root too. */
export async function readUiFile(root: string, url: string): Promise<FileAnswer> {
  const decision = resolveUiPath(root, url);
  if (!decision.ok) return decision;
  const notFound: Refusal = { ok: false, status: 404, reason: 'not found' };
  let realRoot: string;
  let realFile: string;
  try {
    realRoot = await realpath(root);
    realFile = await realpath(decision.path);
  } catch {
    return notFound;
  }
  if (outside(relative(realRoot, realFile))) {
    return { ok: false, status: 403, reason: 'outside the renderer root' };
  }
  try {
    if (!(await stat(realFile)).isFile()) return notFound;
    return {
      ok: true,
      body: await readFile(realFile),
      contentType: MIME[extname(realFile).toLowerCase()] ?? 'application/octet-stream',
    };
  } catch {
    return notFound;
  }
}
