import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse, Server } from 'node:http';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { checkApiRequest, checkHelloRequest, hostAllowed } from './request-guard.ts';
import type { Refusal } from './request-guard.ts';
import { HELLO_PATH, HelloRequest, MAX_HELLO_BODY_BYTES, helloProof } from './api-hello.ts';
import { readUiFile } from './renderer-files.ts';
import { CONTENT_SECURITY_POLICY } from '../../shared/content-security-policy.ts';
import type { TesseraCore } from '../core/core.ts';

/** Largest API request body: 16 attachments of 1 MiB in base64 plus the rest of an item. */
export const MAX_BODY_BYTES = 24 * 1024 * 1024;

const COMMON_HEADERS = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
};

export interface HostOptions {
  core: TesseraCore;
  rendererDir: string;
  /** 0 picks a free port. The host only ever binds loopback. */
  port: number;
}

export interface RunningHost {
  port: number;
  token: string;
  url: string;
  close(): Promise<void>;
}

class BodyTooLargeError extends Error {}

function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? '0');
  if (declared > limit) return Promise.reject(new BodyTooLargeError());
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        reject(new BodyTooLargeError());
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, {
    ...COMMON_HEADERS,
    'content-type': 'application/json',
    'cache-control': 'no-store',
  });
  res.end(JSON.stringify(body));
}

function refuse(res: ServerResponse, status: number, code: string, message: string): void {
  sendJson(res, status, { ok: false, error: { code, message } });
}

function refusalMessage(refusal: Refusal): string {
  return refusal.reason === 'bad-token'
    ? 'Missing or wrong API token. Use the address `tessera serve` printed.'
    : refusal.reason === 'bad-host'
      ? 'Requests must address 127.0.0.1 or localhost on this port.'
      : 'Cross-origin requests are not allowed.';
}

/**
 * The headless host: the same core as the desktop app, its API over HTTP on 127.0.0.1 and the built renderer for
 * a browser. Every API request must carry the random token, except the hello (api-hello.ts) by which the host
 * proves it holds the token; Host and Origin are checked against our own address on every one.
 */
export async function startHost(options: HostOptions): Promise<RunningHost> {
  const token = randomBytes(32).toString('hex');
  let port = options.port;
  const streams = new Set<ServerResponse>();

  async function handleApiCall(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!(req.headers['content-type'] ?? '').startsWith('application/json')) {
      refuse(res, 415, 'BAD_REQUEST', 'API requests must be JSON (content-type: application/json).');
      return;
    }
    let body: Buffer;
    try {
      body = await readBody(req, MAX_BODY_BYTES);
    } catch (err) {
      if (err instanceof BodyTooLargeError) {
        // The unread body would poison a kept-alive connection: answer, then close it.
        res.setHeader('connection', 'close');
        refuse(res, 413, 'TOO_LARGE', `Request body is larger than ${MAX_BODY_BYTES} bytes.`);
        res.once('finish', () => req.destroy());
      } else {
        res.destroy();
      }
      return;
    }
    let request: unknown;
    try {
      request = JSON.parse(body.toString('utf8'));
    } catch {
      refuse(res, 400, 'BAD_REQUEST', 'The request body is not valid JSON.');
      return;
    }
    if (typeof request !== 'object' || request === null || !('op' in request)) {
      refuse(res, 400, 'BAD_REQUEST', 'The request body must be {"op": string, "input": object}.');
      return;
    }
    // Forwarded as it came: the dispatcher checks the name and the arguments against the contract for every adapter.
    const input = 'input' in request ? request.input : undefined;
    sendJson(res, 200, await options.core.dispatch(request.op, input ?? {}));
  }

  /** The token-free handshake of api-hello.ts: proves to a client that this host holds the token. */
  async function handleHello(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let body: Buffer;
    try {
      body = await readBody(req, MAX_HELLO_BODY_BYTES);
    } catch (err) {
      if (err instanceof BodyTooLargeError) {
        res.setHeader('connection', 'close');
        refuse(res, 413, 'TOO_LARGE', `A hello body is at most ${MAX_HELLO_BODY_BYTES} bytes.`);
        res.once('finish', () => req.destroy());
      } else {
        res.destroy();
      }
      return;
    }
    let parsed;
    try {
      parsed = HelloRequest.safeParse(JSON.parse(body.toString('utf8')));
    } catch {
      parsed = null;
    }
    if (!parsed?.success) {
      refuse(res, 400, 'BAD_REQUEST', 'A hello body must be {"nonce": 64 lowercase hex characters}.');
      return;
    }
    // A fixed length, not chunked: the client reads this answer off the raw socket (cli/verified-socket.ts).
    const answer = JSON.stringify({ proof: helloProof(token, port, parsed.data.nonce) });
    res.writeHead(200, {
      ...COMMON_HEADERS,
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(answer),
      'cache-control': 'no-store',
    });
    res.end(answer);
  }

  function handleEvents(req: IncomingMessage, res: ServerResponse): void {
    res.writeHead(200, {
      ...COMMON_HEADERS,
      'content-type': 'text/event-stream',
      'cache-control': 'no-store',
      connection: 'keep-alive',
    });
    res.write(': connected\n\n');
    streams.add(res);
    const unsubscribe = options.core.subscribe((event) => res.write(`data: ${JSON.stringify(event)}\n\n`));
    const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), 15_000);
    req.on('close', () => {
      clearInterval(heartbeat);
      unsubscribe();
      streams.delete(res);
    });
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (url.pathname === HELLO_PATH && req.method === 'POST') {
      const refusal = checkHelloRequest(req, port);
      if (refusal) {
        refuse(res, refusal.status, 'BAD_REQUEST', refusalMessage(refusal));
        return;
      }
      return handleHello(req, res);
    }
    if (url.pathname.startsWith('/api/')) {
      const refusal = checkApiRequest(req, port, token);
      if (refusal) {
        refuse(
          res,
          refusal.status,
          refusal.status === 401 ? 'UNAUTHORIZED' : 'BAD_REQUEST',
          refusalMessage(refusal),
        );
        return;
      }
      if (url.pathname === '/api/call' && req.method === 'POST') return handleApiCall(req, res);
      if (url.pathname === '/api/events' && req.method === 'GET') return handleEvents(req, res);
      refuse(res, 404, 'NOT_FOUND', `No API endpoint ${req.method} ${url.pathname}.`);
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { ...COMMON_HEADERS, allow: 'GET, HEAD' });
      res.end();
      return;
    }
    // Static files carry no secrets, but the Host check still keeps rebinding pages from framing or reading them.
    if (!hostAllowed(req.headers.host, port)) {
      res.writeHead(403, COMMON_HEADERS);
      res.end('Forbidden host');
      return;
    }
    // The path as it was sent (readUiFile refuses encoded dots and slashes before any parser collapses them).
    const file = await readUiFile(options.rendererDir, `http://127.0.0.1${req.url ?? '/'}`);
    if (!file.ok) {
      res.writeHead(file.status, { ...COMMON_HEADERS, 'content-type': 'text/plain' });
      res.end(file.status === 404 ? 'Not found' : 'Refused');
      return;
    }
    res.writeHead(200, {
      ...COMMON_HEADERS,
      'content-type': file.contentType,
      'content-security-policy': CONTENT_SECURITY_POLICY,
      'cache-control': file.contentType.startsWith('text/html') ? 'no-store' : 'max-age=3600',
    });
    res.end(req.method === 'HEAD' ? undefined : file.body);
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      console.error('[tessera] host request failed:', err);
      if (!res.headersSent) refuse(res, 500, 'INTERNAL', 'Internal error.');
      else res.destroy();
    });
  });
  server.requestTimeout = 60_000;
  server.headersTimeout = 10_000;
  server.maxHeadersCount = 64;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, '127.0.0.1', () => resolve());
  });
  port = (server.address() as AddressInfo).port;

  return {
    port,
    token,
    url: `http://127.0.0.1:${port}/#token=${token}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const stream of streams) stream.end();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
