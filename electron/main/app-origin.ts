/**
 * The renderer is served from `app://tessera/…` (see protocol.ts). Everything that decides whether a URL or an IPC
 * sender is "ours" goes through this file, and always by parsing with URL — never by substring checks.
 */
export const APP_SCHEME = 'app';
export const APP_HOST = 'tessera';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
export const APP_ENTRY_URL = `${APP_ORIGIN}/index.html`;

function parse(url: string): URL | null {
  try {
    return new URL(url);
  } catch {
    return null;
  }
}

/** True if `url` is a page of the app itself (scheme and host match exactly; no credentials, no port). */
export function isAppUrl(url: string | null | undefined): boolean {
  if (typeof url !== 'string') return false;
  const parsed = parse(url);
  return (
    parsed !== null &&
    parsed.protocol === `${APP_SCHEME}:` &&
    parsed.hostname === APP_HOST &&
    parsed.port === '' &&
    parsed.username === '' &&
    parsed.password === ''
  );
}

/**
 * True if `origin` (as Chromium reports it for permission checks, e.g. "app://tessera" or "app://tessera/") is the
 * app's origin. URL#origin is "null" for schemes Node does not know, so the parts are compared instead.
 */
export function isAppOrigin(origin: string | null | undefined): boolean {
  if (typeof origin !== 'string' || !isAppUrl(origin)) return false;
  const parsed = new URL(origin);
  return (parsed.pathname === '' || parsed.pathname === '/') && parsed.search === '' && parsed.hash === '';
}
