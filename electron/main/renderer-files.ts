import { isAppUrl } from './app-origin.ts';
import { securityHeaders } from './csp.ts';
import { readUiFile, resolveUiPath } from '../host/renderer-files.ts';
import type { PathDecision } from '../host/renderer-files.ts';

/**
 * Serves the built renderer (out/renderer) for the app:// protocol: the one file guard the headless host uses too
 * (electron/host/renderer-files.ts), for this app's own app:// URLs only, GET only.
 */

export type { PathDecision };

/** Maps an app:// URL to a file path inside `root`, or says why not. Does not touch the file system. */
export function resolveRendererPath(root: string, url: string): PathDecision {
  if (!isAppUrl(url)) return { ok: false, status: 403, reason: 'not an app:// URL of this app' };
  return resolveUiPath(root, url);
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
  if (!isAppUrl(request.url)) return textResponse(403, 'Refused: not an app:// URL of this app');
  const file = await readUiFile(root, request.url);
  if (!file.ok)
    return textResponse(file.status, file.status === 404 ? 'Not found' : `Refused: ${file.reason}`);
  return new Response(file.body, {
    status: 200,
    headers: { 'content-type': file.contentType, ...securityHeaders() },
  });
}
