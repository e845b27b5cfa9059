import { app, session, shell } from 'electron';
import type { Session, WebContents } from 'electron';
import { isAppUrl } from './app-origin.ts';
import { openExternalSafely } from './external-links.ts';
import { allowPermissionCheck, allowPermissionRequest } from './permissions.ts';

/**
 * Rules for every web page Electron creates, installed once for the whole app (Element's webcontents-handler):
 * no navigation or redirect away from app://, no new windows, no <webview>, no downloads, and no permissions
 * except the camera for the app itself. Links to allow-listed https sites go to the system browser instead.
 */

/** Looked up at call time, so it is always Electron's current `shell.openExternal`. */
export function openWithShell(url: string): Promise<void> {
  return shell.openExternal(url);
}

function refuseNavigation(kind: string, url: string): void {
  console.warn(`[tessera] blocked ${kind} to ${url.slice(0, 200)}`);
}

function guardContents(contents: WebContents): void {
  contents.on('will-attach-webview', (event) => {
    event.preventDefault();
    refuseNavigation('webview', '<webview>');
  });
  contents.on('will-navigate', (event) => {
    if (isAppUrl(event.url)) return;
    event.preventDefault();
    refuseNavigation('navigation', event.url);
    void openExternalSafely(event.url, openWithShell);
  });
  // Subframes (the app has none; frame-src 'none'); the main frame is handled by will-navigate above.
  contents.on('will-frame-navigate', (event) => {
    if (event.isMainFrame || isAppUrl(event.url)) return;
    event.preventDefault();
    refuseNavigation('frame navigation', event.url);
  });
  contents.on('will-redirect', (event) => {
    if (isAppUrl(event.url)) return;
    event.preventDefault();
    refuseNavigation('redirect', event.url);
  });
  contents.setWindowOpenHandler(({ url }) => {
    void openExternalSafely(url, openWithShell);
    return { action: 'deny' };
  });
}

function guardSession(ses: Session): void {
  ses.setPermissionRequestHandler((_contents, permission, callback, details) => {
    const mediaTypes = 'mediaTypes' in details ? details.mediaTypes : undefined;
    const allowed = allowPermissionRequest({ permission, requestingUrl: details.requestingUrl, mediaTypes });
    if (!allowed) console.warn(`[tessera] denied permission "${permission}" to ${details.requestingUrl}`);
    callback(allowed);
  });
  ses.setPermissionCheckHandler((_contents, permission, requestingOrigin, details) =>
    allowPermissionCheck(permission, requestingOrigin, details.mediaType),
  );
  ses.setDevicePermissionHandler(() => false);
  ses.on('will-download', (event) => event.preventDefault());
  // The renderer needs no network (libp2p runs in the main process under Node). Chromium requests to the web
  // from this session are cancelled, in addition to the CSP.
  ses.webRequest.onBeforeRequest(
    { urls: ['http://*/*', 'https://*/*', 'ws://*/*', 'wss://*/*'] },
    (details, callback) => {
      console.warn(`[tessera] blocked network request to ${details.url.slice(0, 200)}`);
      callback({ cancel: true });
    },
  );
}

/** Call before `ready`, so no web contents is ever created without these rules. */
export function installWebContentsGuard(): void {
  app.on('web-contents-created', (_event, contents) => guardContents(contents));
}

/** Call once the app is ready, before the first window loads. */
export function guardDefaultSession(): void {
  guardSession(session.defaultSession);
}
