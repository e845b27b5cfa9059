import { timingSafeEqual, createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/** Why the host refused a request; each maps to one HTTP status. */
export type Refusal =
  { status: 403; reason: 'bad-host' | 'bad-origin' } | { status: 401; reason: 'bad-token' };

const LOOPBACK_NAMES = ['127.0.0.1', 'localhost', '[::1]'];

/**
 * DNS rebinding defence: a page on another site that resolves its own name to 127.0.0.1 still sends its own name
 * in Host. Only our loopback names with our port are accepted.
 */
export function hostAllowed(hostHeader: string | undefined, port: number): boolean {
  if (!hostHeader) return false;
  return LOOPBACK_NAMES.some((name) => hostHeader === `${name}:${port}`);
}

/** Browsers send Origin on cross-origin and on POST requests; only our own origin may call the API. */
export function originAllowed(originHeader: string | undefined, port: number): boolean {
  if (originHeader === undefined) return true; // non-browser clients (the CLI) send none
  return LOOPBACK_NAMES.some((name) => originHeader === `http://${name}:${port}`);
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

/** Compares bearer tokens in constant time (hashing first so lengths never leak either). */
export function tokenMatches(authorization: string | undefined, token: string): boolean {
  const presented = authorization?.startsWith('Bearer ') ? authorization.slice(7) : '';
  return timingSafeEqual(digest(presented), digest(token)) && presented.length > 0;
}

/** The hello (api-hello.ts) carries no token: it is checked for Host and Origin only. */
export function checkHelloRequest(req: IncomingMessage, port: number): Refusal | null {
  if (!hostAllowed(req.headers.host, port)) return { status: 403, reason: 'bad-host' };
  if (!originAllowed(req.headers.origin, port)) return { status: 403, reason: 'bad-origin' };
  return null;
}

export function checkApiRequest(req: IncomingMessage, port: number, token: string): Refusal | null {
  const refusal = checkHelloRequest(req, port);
  if (refusal) return refusal;
  if (!tokenMatches(req.headers.authorization, token)) return { status: 401, reason: 'bad-token' };
  return null;
}
