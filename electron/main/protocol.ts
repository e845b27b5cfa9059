import { protocol, session } from 'electron';
import { APP_SCHEME } from './app-origin.ts';
import { serveRendererRequest } from './renderer-files.ts';

/**
 * The app:// scheme. It must be registered as privileged before `ready`: `standard` gives it real origins (so
 * 'self' in the CSP and the same-origin policy work), `secure` makes it a secure context (needed for the camera),
 * `supportFetchAPI` lets the page load its own modules. No CORS, no service workers, no CSP bypass.
 */
export function registerAppScheme(): void {
  protocol.registerSchemesAsPrivileged([
    {
      scheme: APP_SCHEME,
      privileges: {
        standard: true,
        secure: true,
        supportFetchAPI: true,
        codeCache: true,
        corsEnabled: false,
        bypassCSP: false,
        allowServiceWorkers: false,
        stream: false,
      },
    },
  ]);
}

/** Serves out/renderer on app:// for the default session (after `ready`). */
export function serveAppProtocol(rendererRoot: string): void {
  session.defaultSession.protocol.handle(APP_SCHEME, (request) =>
    serveRendererRequest(rendererRoot, request),
  );
}
