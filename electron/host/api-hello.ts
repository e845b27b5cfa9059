import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';

/**
 * `POST /api/hello`: the server proves it knows the API token before a client reveals it (SECURITY.md, "A
 * malicious web page (or a confused local client) against the local API"). The endpoint file says where the serve
 * of a data dir listened; if that serve died, any program may now listen on that port, and a client that sent the
 * bearer token (or a passphrase) there would hand them over. So the CLI sends a fresh random nonce first and the
 * server answers HMAC-SHA256(token, label ‖ port ‖ nonce); the client checks it in constant time, on the same TCP
 * connection that will carry the token, and sends nothing secret to a listener that cannot answer.
 *
 * The port is in the MAC so that an answer obtained from the real serve on another port (a relay in front of it)
 * does not vouch for this one.
 */
export const HELLO_PATH = '/api/hello';
/** Largest hello request body the host reads: `{"nonce":"<64 hex>"}` is 76 bytes. */
export const MAX_HELLO_BODY_BYTES = 256;

const HEX32 = /^[0-9a-f]{64}$/;
export const HelloRequest = z.object({ nonce: z.string().regex(HEX32) }).strict();
export const HelloResponse = z.object({ proof: z.string().regex(HEX32) });

const LABEL = 'tessera local API hello v1';

export function helloProof(token: string, port: number, nonce: string): string {
  return createHmac('sha256', Buffer.from(token, 'hex')).update(`${LABEL}\0${port}\0${nonce}`).digest('hex');
}

/** True when `proof` is the answer only a holder of `token` listening on `port` could give to `nonce`. */
export function helloProofValid(token: string, port: number, nonce: string, proof: string): boolean {
  if (!HEX32.test(proof)) return false;
  return timingSafeEqual(Buffer.from(helloProof(token, port, nonce), 'hex'), Buffer.from(proof, 'hex'));
}
