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
  deletion: 'tessera/delete/v1',
  profileName: 'tessera/profile-name/v1',
  recoveryNotice: 'tessera/recovery-notice/v1',
  recoveryCancel: 'tessera/recovery-cancel/v1',
} as const;

const PREFIX = utf8('tessera-sig-v1\0');

export function signingInput(context: string, payload: Uint8Array): Uint8Array {
  const ctx = utf8(context);
  if (ctx.length === 0 || ctx.length > 255)
    throw new InvalidArgumentError('Signature context must be 1..255 bytes.');
  return concatBytes(PREFIX, u16be(ctx.length), ctx, payload);
}

/**
 * Plain Ed25519 (RFC 8032), so a platform can sign large payloads natively (electron/core/crypto-native): signatures
 * are deterministic, so every implementation must return the same bytes as this one (tests check it).
 */
export interface Ed25519 {
  sign(message: Uint8Array, signSeed: Uint8Array): Uint8Array;
  /** False (never a throw) for any malformed key or signature. */
  verify(signature: Uint8Array, message: Uint8Array, signPublic: Uint8Array): boolean;
}

export const nobleEd25519: Ed25519 = {
  sign: (message, signSeed) => ed25519.sign(message, signSeed),
  verify(signature, message, signPublic) {
    try {
      return ed25519.verify(signature, message, signPublic);
    } catch {
      return false;
    }
  },
};

export function signWithContext(
  context: string,
  payload: Uint8Array,
  signSeed: Uint8Array,
  ed: Ed25519 = nobleEd25519,
): Uint8Array {
  return ed.sign(signingInput(context, payload), signSeed);
}

/**
 * Returns false (never throws) for any malformed key or signature. Signatures from others are checked with the
 * default (@noble, ZIP-215 rules), so every device accepts exactly the same ones; a native `ed` is for checking one's
 * own fresh signature, and for one exception: the backup manifests that owners and custodians check on every offer
 * and health check, large enough for speed to matter, are checked with OpenSSL (electron/core/crypto-native). Its
 * rules are stricter than ZIP-215 (Chalkias, Garillot, Nikolaenko, "Taming the many EdDSAs", SSR 2020), so an honest
 * owner's manifest passes both, and a recovering device checks what it restores with the default.
 */
export function verifyWithContext(
  context: string,
  payload: Uint8Array,
  signature: Uint8Array,
  signPublic: Uint8Array,
  ed: Ed25519 = nobleEd25519,
): boolean {
  if (signature.length !== 64 || signPublic.length !== 32) return false;
  return ed.verify(signature, signingInput(context, payload), signPublic);
}
