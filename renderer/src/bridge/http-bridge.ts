import type { TesseraBridge } from '../../../shared/api/client.ts';
import { createHttpBridge } from '../../../shared/api/http-bridge.ts';

const TOKEN_KEY = 'tessera.token';

/**
 * The headless host (`tessera serve`) opens the UI at `http://127.0.0.1:PORT/#token=…`. The token is moved out of
 * the address bar into session storage and sent as a bearer token with every call.
 */
export function takeTokenFromLocation(): string | null {
  const match = /(?:^#|&)token=([0-9a-f]{64})(?:&|$)/.exec(window.location.hash);
  if (match?.[1]) {
    sessionStorage.setItem(TOKEN_KEY, match[1]);
    history.replaceState(null, '', window.location.pathname + window.location.search);
  }
  return sessionStorage.getItem(TOKEN_KEY);
}

/** The local API's client (shared/api/http-bridge.ts) on the page's own origin and `fetch`. */
export function browserBridge(token: string | null): TesseraBridge {
  return createHttpBridge({
    fetch: (url, init) => fetch(url, init),
    origin: '',
    token,
    unreachable: () => ({ code: 'NO_DAEMON', message: 'Tessera is not running. Start `tessera serve`.' }),
    unauthorized: {
      code: 'UNAUTHORIZED',
      message: 'This page has no valid access token. Open the address that `tessera serve` printed.',
    },
  });
}

/** In Electron the preload has already installed `window.tessera`; in a browser, install the HTTP bridge. */
export function installHttpBridgeIfMissing(): void {
  if (window.tessera) return;
  window.tessera = browserBridge(takeTokenFromLocation());
}
