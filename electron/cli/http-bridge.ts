import { request } from 'node:http';
import type { IncomingMessage } from 'node:http';
import type { TesseraBridge } from '../../shared/api/client.ts';
import { createHttpBridge as createApiBridge } from '../../shared/api/http-bridge.ts';
import type { ByteReader, HttpFetch, HttpRequestInit, HttpResponse } from '../../shared/api/http-bridge.ts';
import { TesseraError } from '../../shared/errors.ts';
import type { ApiEndpoint } from '../host/api-endpoint-file.ts';
import { VerifiedAgent } from './verified-socket.ts';

export interface HttpBridge extends TesseraBridge {
  /** Closes the kept-alive connections. */
  close(): void;
}

/**
 * A kept-alive connection the server closed as idle (its keep-alive timeout) just as a request was written on it
 * fails with a reset before anything was read: the request never reached the handler, so it is sent once more on a
 * new connection (the pattern of Node's `request.reusedSocket`).
 */
async function send(agent: VerifiedAgent, endpoint: ApiEndpoint, path: string, init: HttpRequestInit) {
  try {
    return await sendOnce(agent, endpoint, path, init);
  } catch (err) {
    if (!(err instanceof StaleSocketError)) throw err;
    return sendOnce(agent, endpoint, path, init);
  }
}

class StaleSocketError extends Error {}

function sendOnce(
  agent: VerifiedAgent,
  endpoint: ApiEndpoint,
  path: string,
  init: HttpRequestInit,
): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const req = request({
      agent,
      host: '127.0.0.1',
      port: endpoint.port,
      method: init.method,
      path,
      headers: {
        ...init.headers,
        ...(init.body === undefined ? {} : { 'content-length': Buffer.byteLength(init.body) }),
      },
    });
    req.once('response', resolve);
    req.once('error', (err: NodeJS.ErrnoException) => {
      const stale = req.reusedSocket && (err.code === 'ECONNRESET' || err.code === 'EPIPE');
      reject(stale ? new StaleSocketError(err.message, { cause: err }) : err);
    });
    req.end(init.body);
  });
}

/** A response read the way the shared bridge reads a fetch `Response`. */
function asFetchResponse(res: IncomingMessage): HttpResponse {
  const reader = (): ByteReader => {
    const chunks: AsyncIterator<unknown> = res[Symbol.asyncIterator]();
    return {
      async read() {
        const next = await chunks.next();
        if (next.done) return { done: true };
        return next.value instanceof Uint8Array ? { done: false, value: next.value } : { done: false };
      },
      async cancel() {
        res.destroy();
      },
    };
  };
  return {
    status: res.statusCode ?? 0,
    async text() {
      const chunks: Uint8Array[] = [];
      for await (const chunk of res) if (chunk instanceof Uint8Array) chunks.push(chunk);
      return Buffer.concat(chunks).toString('utf8');
    },
    body: { getReader: reader },
  };
}

/**
 * The CLI's bridge to a running `tessera serve`: the shared client of the local API (shared/api/http-bridge.ts)
 * over connections on which the server first proved it holds the token (verified-socket.ts), so a program
 * squatting a dead serve's port never receives the token or anything sent after it.
 */
export function createHttpBridge(endpoint: ApiEndpoint): HttpBridge {
  const agent = new VerifiedAgent(endpoint);
  const verifiedFetch: HttpFetch = async (url, init) =>
    asFetchResponse(await send(agent, endpoint, new URL(url).pathname, init));
  const bridge = createApiBridge({
    fetch: verifiedFetch,
    origin: `http://127.0.0.1:${endpoint.port}`,
    token: endpoint.token,
    // A serve that failed the hello says why (ServeImpostorError); anything else: nothing answers there.
    unreachable: (cause) =>
      cause instanceof TesseraError
        ? cause.toBody()
        : {
            code: 'NO_DAEMON',
            message: `Could not reach tessera serve (pid ${endpoint.pid}) on port ${endpoint.port}.`,
          },
  });
  return { ...bridge, close: () => agent.destroy() };
}
