/**
 * The session's public face, from its stored row: the Ed25519 key its node listens with (the seed is kept in the
 * clear so a restarted device keeps its peer ID, session-keys.ts) and the recovery code a custodian scans
 * (PROTOCOL §11.1). Re-issuing the code keeps `k`, `b` and `r`, so the possession proof stays the same.
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import { concatBytes } from '../../../shared/crypto/bytes.ts';
import { SIGN_CONTEXTS, signWithContext } from '../../../shared/crypto/sign.ts';
import { encodeRecoveryCode } from '../../../shared/protocol/recovery-code.ts';
import type { SessionRow } from './session-store.ts';

/** The most addresses a code carries (PROTOCOL §11.1, `a`). */
const CODE_ADDRESSES = 8;

export function signPublicOf(row: SessionRow): Uint8Array {
  return ed25519.getPublicKey(row.signSeed);
}

/** The sign half of the session identity, for its libp2p node (the box secret stays sealed). */
export function sessionSignKeys(row: SessionRow): {
  signSeed: Uint8Array;
  signPublic: Uint8Array;
  boxPublic: Uint8Array;
} {
  return { signSeed: row.signSeed, signPublic: signPublicOf(row), boxPublic: row.boxPublic };
}

/** The code to show, naming the addresses the session's node listens on now. */
export function recoveryCodeOf(row: SessionRow, addresses: readonly string[]): string {
  const signPublic = signPublicOf(row);
  const boxSignature = signWithContext(
    SIGN_CONTEXTS.boxKey,
    concatBytes(signPublic, row.boxPublic),
    row.signSeed,
  );
  return encodeRecoveryCode({
    signPublic,
    boxPublic: row.boxPublic,
    boxSignature,
    addresses: addresses.slice(0, CODE_ADDRESSES),
    expiresAt: row.expiresAt,
    secret: row.secret,
    ...(row.remote ? { remote: true } : {}),
  });
}
