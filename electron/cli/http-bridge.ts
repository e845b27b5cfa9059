import type { TesseraBridge } from '../../shared/api/client.ts';
import { followEvents } from '../../shared/api/event-stream.ts';
import type { Envelope } from '../../shared/api/contract.ts';
import type { ApiEndpoint } from '../host/api-endpoint-file.ts';

/** The CLI's bridge to a running `tessera serve`: the same HTTP API (calls and events) the browser UI uses. */
export function createHttpBridge(endpoint: ApiEndpoint): TesseraBridge {
  const base = `http://127.0.0.1:${endpoint.port}`;
  return {
    async call(op, input) {
      let response: Response;
      try {
        response = await fetch(`${base}/api/call`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${endpoint.token}` },
          body: JSON.stringify({ op, input }),
        });
      } catch {
        return {
          ok: false,
          error: {
            code: 'NO_DAEMON',
            message: `Could not reach tessera serve (pid ${endpoint.pid}) on port ${endpoint.port}.`,
          },
        };
      }
      return (await response.json()) as Envelope<unknown>;
    },
    onEvent(listener) {
      const controller = new AbortController();
      void followEvents(
        async () => {
          const response = await fetch(`${base}/api/events`, {
            headers: { authorization: `Bearer ${endpoint.token}` },
            signal: controller.signal,
          });
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
