import type { TesseraBridge } from '../../../shared/api/client.ts';
import type { Envelope } from '../../../shared/api/contract.ts';
import { TesseraEvent } from '../../../shared/api/events.ts';

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
      void streamEvents(controller.signal, headers(), listener);
      return () => controller.abort();
    },
  };
}

async function streamEvents(
  signal: AbortSignal,
  headers: Record<string, string>,
  listener: (event: TesseraEvent) => void,
): Promise<void> {
  while (!signal.aborted) {
    try {
      const response = await fetch('/api/events', { headers, signal });
      if (!response.ok || !response.body) throw new Error(`events: HTTP ${response.status}`);
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += value;
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const frame = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const data = frame
            .split('\n')
            .filter((line) => line.startsWith('data: '))
            .map((line) => line.slice(6))
            .join('\n');
          if (!data) continue;
          const parsed = TesseraEvent.safeParse(JSON.parse(data));
          if (parsed.success) listener(parsed.data);
        }
      }
    } catch {
      if (signal.aborted) return;
    }
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

/** In Electron the preload has already installed `window.tessera`; in a browser, install the HTTP bridge. */
export function installHttpBridgeIfMissing(): void {
  if (window.tessera) return;
  window.tessera = createHttpBridge(takeTokenFromLocation());
}
