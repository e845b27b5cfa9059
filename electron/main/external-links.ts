/**
 * Which URLs may leave the app for the system browser. Only https, only hosts on this list, no credentials, no
 * custom port — decided on the parsed URL, never by substring checks. Everything else is refused and logged.
 */
export const EXTERNAL_HOSTS: ReadonlySet<string> = new Set(['github.com']);

export function allowedExternalUrl(raw: unknown): URL | null {
  if (typeof raw !== 'string' || raw.length > 2048) return null;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return null;
  }
  if (url.protocol !== 'https:') return null;
  if (url.username !== '' || url.password !== '' || url.port !== '') return null;
  if (!EXTERNAL_HOSTS.has(url.hostname)) return null;
  return url;
}

export type ExternalOpener = (url: string) => Promise<void>;

/**
 * Opens `raw` in the system browser if it is allowed; returns whether it did. The opener is injected
 * (`shell.openExternal` in the app) so this file stays free of Electron.
 */
export async function openExternalSafely(raw: unknown, opener: ExternalOpener): Promise<boolean> {
  const url = allowedExternalUrl(raw);
  if (!url) {
    console.warn(`[tessera] refused to open external URL: ${String(raw).slice(0, 200)}`);
    return false;
  }
  try {
    await opener(url.href);
    return true;
  } catch (err) {
    console.warn(`[tessera] could not open ${url.href}:`, err);
    return false;
  }
}
