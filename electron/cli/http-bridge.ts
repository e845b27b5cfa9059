import type { TesseraBridge } from '../../shared/api/client.ts';
import type { Envelope } from '../../shared/api/contract.ts';
import type { ApiEndpoint } from '../host/api-endpoint-file.ts';

/** The CLI's bridge to a running `tessera serve`: the same HTTP API the browser UI uses. */
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
    onEvent() {
      return () => {};
    },
  };
}
