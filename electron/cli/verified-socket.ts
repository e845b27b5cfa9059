import { Agent } from 'node:http';
import type { ClientRequestArgs } from 'node:http';
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { randomBytes } from 'node:crypto';
import { TesseraError } from '../../shared/errors.ts';
import type { ApiEndpoint } from '../host/api-endpoint-file.ts';
import { HELLO_PATH, HelloResponse, helloProofValid } from '../host/api-hello.ts';

/** How long a listener has to answer the hello before the CLI gives up on it. */
const HELLO_TIMEOUT_MS = 5_000;
/** A hello answer is about 300 bytes; anything far larger is not from our host. */
const MAX_HELLO_RESPONSE_BYTES = 8 * 1024;

/** Nothing listens where the endpoint file says `serve` does (it stopped, or has not started listening yet). */
export class ServeUnreachableError extends TesseraError {
  constructor(endpoint: ApiEndpoint, cause: unknown) {
    super(
      'NO_DAEMON',
      `Could not reach tessera serve (pid ${endpoint.pid}) on port ${endpoint.port}: ${(cause as Error).message}.`,
      { cause },
    );
  }
}

/**
 * Something listens on the port of the endpoint file but could not prove it knows the API token: not the serve
 * of this data dir (which has most likely stopped; another program took its port). The CLI sent it nothing secret.
 */
export class ServeImpostorError extends TesseraError {
  constructor(endpoint: ApiEndpoint, why: string) {
    super(
      'NO_DAEMON',
      `The program listening on 127.0.0.1:${endpoint.port} is not this data dir's \`tessera serve\` (pid ` +
        `${endpoint.pid} wrote that port): ${why}, so it could not prove it holds the API token. Nothing was sent ` +
        `to it: no token, no passphrase. Check what listens on port ${endpoint.port}, and start ` +
        '`tessera serve` again.',
    );
  }
}

/**
 * Opens a TCP connection to the endpoint's port and runs the hello of api-hello.ts on it. Resolves with the
 * connection only once the listener proved it holds the token; the caller then sends the token on this very
 * connection, so a program that takes the port afterwards never sees it.
 */
export function openVerifiedSocket(endpoint: ApiEndpoint): Promise<Socket> {
  const nonce = randomBytes(32).toString('hex');
  const body = JSON.stringify({ nonce });
  const host = `127.0.0.1:${endpoint.port}`;
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port: endpoint.port });
    let received = Buffer.alloc(0);
    let settled = false;
    const fail = (err: Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      reject(err);
    };
    const impostor = (why: string) => fail(new ServeImpostorError(endpoint, why));
    const timer = setTimeout(
      () => impostor(`it accepted the connection but gave no hello answer within ${HELLO_TIMEOUT_MS} ms`),
      HELLO_TIMEOUT_MS,
    );
    const onData = (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      if (received.length > MAX_HELLO_RESPONSE_BYTES) return impostor('its hello answer is far too long');
      const headerEnd = received.indexOf('\r\n\r\n');
      if (headerEnd < 0) return;
      const head = received.subarray(0, headerEnd).toString('latin1');
      const status = /^HTTP\/1\.1 (\d{3}) /.exec(head)?.[1];
      const length = /\r\ncontent-length: *(\d+)\r?$/im.exec(head)?.[1];
      if (status !== '200') return impostor(`it answered the hello with HTTP status ${status ?? '(none)'}`);
      if (length === undefined) return impostor('its hello answer has no content-length');
      const bodyBytes = received.subarray(headerEnd + 4);
      if (bodyBytes.length < Number(length)) return;
      if (bodyBytes.length > Number(length)) return impostor('it sent more than its hello answer');
      let proof = '';
      try {
        const parsed = HelloResponse.safeParse(JSON.parse(bodyBytes.toString('utf8')));
        if (parsed.success) proof = parsed.data.proof;
      } catch {
        // not JSON: refused below
      }
      if (!helloProofValid(endpoint.token, endpoint.port, nonce, proof))
        return impostor('its hello answer is not the proof for our challenge');
      if (/\r\nconnection: *close\r?$/im.test(head))
        return impostor('it closes the connection after the hello');
      settled = true;
      clearTimeout(timer);
      socket.off('data', onData);
      socket.off('error', onError);
      socket.off('close', onClose);
      resolve(socket);
    };
    const onError = (err: Error) => fail(new ServeUnreachableError(endpoint, err));
    const onClose = () => impostor('it closed the connection during the hello');
    socket.on('data', onData);
    socket.on('error', onError);
    socket.on('close', onClose);
    socket.on('connect', () => {
      socket.write(
        `POST ${HELLO_PATH} HTTP/1.1\r\nhost: ${host}\r\ncontent-type: application/json\r\n` +
          `content-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
      );
    });
  });
}

/**
 * An HTTP agent whose every connection has passed the hello before the request that carries the token is written
 * on it. Kept-alive connections are reused as they are (already verified); a new one is verified first.
 */
export class VerifiedAgent extends Agent {
  private readonly endpoint: ApiEndpoint;

  constructor(endpoint: ApiEndpoint) {
    super({ keepAlive: true });
    this.endpoint = endpoint;
  }

  override createConnection(
    _options: ClientRequestArgs,
    callback?: (err: Error | null, stream: Duplex) => void,
  ): undefined {
    openVerifiedSocket(this.endpoint).then(
      (socket) => callback?.(null, socket),
      (err: unknown) => callback?.(err as Error, undefined as unknown as Duplex),
    );
    return undefined;
  }
}
