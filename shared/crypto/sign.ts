/**
 * Ed25519 signatures with domain separation. Every signed message type has its own context string (see
 * SIGN_CONTEXTS and docs/PROTOCOL.md), and the bytes actually signed are
 *
 *   "tessera-sig-v1" 0x00 || u16be(len(context)) || context || payload
 *
 * so a signature made for one message type can never be replayed as another.
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import { concatBytes, u16be, utf8 } from './bytes.ts';
import { InvalidArgumentError } from './errors.ts';

export const SIGN_CONTEXTS = {
  boxKey: 'tessera/box-key/v1',
  shardEnvelope: 'tessera/shard-envelope/v1',
  backupManifest: 'tessera/backup-manifest/v1',
} as const;

const PREFIX = utf8('tessera-sig-v1\0');

export function signingInput(context: string, payload: Uint8Array): Uint8Array {
  const ctx = utf8(context);
  if (ctx.length === 0 || ctx.length > 255)
    throw new InvalidArgumentError('Signature context must be 1..255 bytes.');
  return concatBytes(PREFIX, u16be(ctx.length), ctx, payload);
}

export function signWithContext(context: string, payload: Uint8Array, signSeed: Uint8Array): Uint8Array {
  return ed25519.sign(signingInput(context, payload), signSeed);
}

/** Returns false (never throws) for any malformed key or signature. */
export function verifyWithContext(
  context: string,
  payload: Uint8Array,
  signature: Uint8Array,
  signPublic: Uint8Array,
): boolean {
  if (signature.length !== 64 || signPublic.length !== 32) return false;
  try {
    return ed25519.verify(signature, signingInput(context, payload), signPublic);
  } catch {
    return false;
  }
}
