import { request } from 'node:http';
import type { IncomingMessage } from 'node:http';
import type { TesseraBridge } from '../../shared/api/client.ts';
import { followEvents } from '../../shared/api/event-stream.ts';
import type { Envelope } from '../../shared/api/contract.ts';
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
async function send(
  endpoint: ApiEndpoint,
  agent: VerifiedAgent,
  method: 'GET' | 'POST',
  path: string,
  body: string | null,
  signal?: AbortSignal,
): Promise<IncomingMessage> {
  try {
    return await sendOnce(endpoint, agent, method, path, body, signal);
  } catch (err) {
    if (!(err instanceof StaleSocketError)) throw err;
    return sendOnce(endpoint, agent, method, path, body, signal);
  }
}

class StaleSocketError extends Error {}

function sendOnce(
  endpoint: ApiEndpoint,
  agent: VerifiedAgent,
  method: 'GET' | 'POST',
  path: string,
  body: string | null,
  signal?: AbortSignal,
): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const req = request({
      agent,
      host: '127.0.0.1',
      port: endpoint.port,
      method,
      path,
      ...(signal ? { signal } : {}),
      headers: {
        authorization: `Bearer ${endpoint.token}`,
        ...(body === null
          ? {}
          : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }),
      },
    });
    req.once('response', resolve);
    req.once('error', (err: NodeJS.ErrnoException) => {
      const stale = req.reusedSocket && (err.code === 'ECONNRESET' || err.code === 'EPIPE');
      reject(stale ? new StaleSocketError(err.message, { cause: err }) : err);
    });
    req.end(body ?? undefined);
  });
}

async function readAll(res: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of res) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * The CLI's bridge to a running `tessera serve`: the same HTTP API (calls and events) the browser UI uses, over
 * connections on which the server first proved it holds the token (verified-socket.ts), so a program squatting a
 * dead serve's port never receives the token or anything sent after it.
 */
export function createHttpBridge(endpoint: ApiEndpoint): HttpBridge {
  const agent = new VerifiedAgent(endpoint);
  return {
    async call(op, input) {
      let text: string;
      try {
        const response = await send(endpoint, agent, 'POST', '/api/call', JSON.stringify({ op, input }));
        text = await readAll(response);
      } catch (err) {
        if (err instanceof TesseraError) return { ok: false, error: err.toBody() };
        return {
          ok: false,
          error: {
            code: 'NO_DAEMON',
            message: `Could not reach tessera serve (pid ${endpoint.pid}) on port ${endpoint.port}.`,
          },
        };
      }
      return JSON.parse(text) as Envelope<unknown>;
    },
    onEvent(listener) {
      const controller = new AbortController();
      void followEvents(
        async () => {
          const response = await send(endpoint, agent, 'GET', '/api/events', null, controller.signal);
          if (response.statusCode !== 200) {
            response.resume();
            throw new Error(`events: HTTP ${response.statusCode}`);
          }
          response.setEncoding('utf8');
          const chunks = response[Symbol.asyncIterator]() as AsyncIterator<string>;
          return {
            async read() {
              const next = await chunks.next();
              return next.done ? { done: true } : { done: false, value: next.value };
            },
          };
        },
        controller.signal,
        listener,
      );
      return () => controller.abort();
    },
    close() {
      agent.destroy();
    },
  };
}
