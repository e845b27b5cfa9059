import type { TesseraBridge } from '../../../shared/api/client.ts';
import type { Envelope } from '../../../shared/api/contract.ts';
import { followEvents } from '../../../shared/api/event-stream.ts';

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

export function createHttpBridge(token: string | null): TesseraBridge {
  const headers = (): Record<string, string> => (token ? { authorization: `Bearer ${token}` } : {});
  return {
    async call(op, input) {
      let response: Response;
      try {
        response = await fetch('/api/call', {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...headers() },
          body: JSON.stringify({ op, input }),
        });
      } catch {
        return {
          ok: false,
          error: { code: 'NO_DAEMON', message: 'Tessera is not running. Start `tessera serve`.' },
        };
      }
      if (response.status === 401) {
        return {
          ok: false,
          error: {
            code: 'UNAUTHORIZED',
            message: 'This page has no valid access token. Open the address that `tessera serve` printed.',
          },
        };
      }
      return (await response.json()) as Envelope<unknown>;
    },
    onEvent(listener) {
      const controller = new AbortController();
      void followEvents(
        async () => {
          const response = await fetch('/api/events', { headers: headers(), signal: controller.signal });
          if (!response.ok || !response.body) throw new Error(`events: HTTP ${response.status}`);
          return response.body.pipeThrough(new TextDecoderStream()).getReader();
        },
        controller.signal,
        listener,
      );
      return () => controller.abort();
    },
  };
}

/** In Electron the preload has already installed `window.tessera`; in a browser, install the HTTP bridge. */
export function installHttpBridgeIfMissing(): void {
  if (window.tessera) return;
  window.tessera = createHttpBridge(takeTokenFromLocation());
}
