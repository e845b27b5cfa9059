import { readFile, realpath, stat } from 'node:fs/promises';
import { extname, isAbsolute, relative, resolve, sep } from 'node:path';
import { isAppUrl } from './app-origin.ts';
import { securityHeaders } from './csp.ts';

/**
 * Serves the built renderer (out/renderer) for the app:// protocol. Pure Node (no Electron), so the path guard is
 * tested directly. Only GET; only files inside the root, also after following symlinks; encoded dots, encoded
 * slashes and backslashes in the path are refused outright rather than interpreted.
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

export type PathDecision =
  { ok: true; path: string } | { ok: false; status: 400 | 403 | 404; reason: string };

/** Maps an app:// URL to a file path inside `root`, or says why not. Does not touch the file system. */
export function resolveRendererPath(root: string, url: string): PathDecision {
  if (!isAppUrl(url)) return { ok: false, status: 403, reason: 'not an app:// URL of this app' };
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
  const segments = decoded.split('/');
  if (segments.some((s) => s === '..' || s === '.')) {
    return { ok: false, status: 400, reason: 'dot segment in path' };
  }
  const wanted = decoded === '' || decoded === '/' ? '/index.html' : decoded;
  const base = resolve(root);
  const full = resolve(base, `.${wanted}`);
  const rel = relative(base, full);
  if (rel === '' || rel.startsWith(`..${sep}`) || rel === '..' || isAbsolute(rel)) {
    return { ok: false, status: 403, reason: 'outside the renderer root' };
  }
  return { ok: true, path: full };
}

function textResponse(status: number, text: string, extra: Record<string, string> = {}): Response {
  return new Response(text, {
    status,
    headers: { 'content-type': 'text/plain; charset=utf-8', ...securityHeaders(), ...extra },
  });
}

/** The whole protocol handler: a Request in, a Response out. */
export async function serveRendererRequest(root: string, request: Request): Promise<Response> {
  if (request.method !== 'GET') return textResponse(405, 'Method not allowed', { allow: 'GET' });
  const decision = resolveRendererPath(root, request.url);
  if (!decision.ok) return textResponse(decision.status, `Refused: ${decision.reason}`);
  let realRoot: string;
  let realFile: string;
  try {
    realRoot = await realpath(root);
    realFile = await realpath(decision.path);
  } catch {
    return textResponse(404, 'Not found');
  }
  const rel = relative(realRoot, realFile);
  if (rel === '' || rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel)) {
    return textResponse(403, 'Refused: outside the renderer root');
  }
  try {
    if (!(await stat(realFile)).isFile()) return textResponse(404, 'Not found');
    const body = await readFile(realFile);
    return new Response(body, {
      status: 200,
      headers: {
        'content-type': MIME[extname(realFile).toLowerCase()] ?? 'application/octet-stream',
        ...securityHeaders(),
      },
    });
  } catch {
    return textResponse(404, 'Not found');
  }
}
