/**
 * Short authentication strings with a commitment (PROTOCOL §6.4): the six digits two people compare to confirm that
 * their devices talk to each other and not to someone in the middle.
 *
 * A code computed from the two public keys alone can be ground: an attacker in the middle tries keys offline until
 * both screens show the same number (10^6 tries take seconds). This is the numeric comparison of Bluetooth LE Secure
 * Connections (Core Specification v5.4, Vol 3 Part H, §2.3.5.6.2), an instance of Vaudenay's SAS-based message
 * cross-authentication ("Secure Communications over Insecure Channels Based on Short Authenticated Strings",
 * CRYPTO 2005) and of MANA IV (Laur and Nyberg, CANS 2006), with SHA-256 in place of AES-CMAC:
 *
 *   responder R: nR ← 32 random bytes,  cR = SHA-256("tessera-sas-commit-v1" 0x00 || ctx* || kR || kI || nR)
 *   R → I  cR                   (the commitment: R is bound to nR before it sees nI)
 *   I → R  nI                   (32 random bytes, sent in the clear)
 *   R → I  nR                   (I checks cR)
 *   code = (u64be(SHA-256("tessera-sas-code-v1" 0x00 || ctx* || kI || kR || nI || nR)[0..8]) mod 10^6), 6 digits
 *
 * where ctx* = u16be(len ctx) || ctx and kI, kR are the 32-byte Ed25519 identity keys each side authenticated
 * (Noise). Whoever is in the middle must fix its own nonce in each of the two runs before the honest side's nonce
 * in that run is known, so each attempt matches with probability 10^-6 and nothing can be precomputed; the
 * protocols that run it bound the number of attempts (PROTOCOL §8.5, §11.3).
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { concatBytes, equalBytes, u16be, utf8 } from './bytes.ts';
import { InvalidArgumentError } from './errors.ts';

export const SAS_NONCE_BYTES = 32;
export const SAS_COMMIT_BYTES = 32;

const COMMIT_LABEL = utf8('tessera-sas-commit-v1\0');
const CODE_LABEL = utf8('tessera-sas-code-v1\0');

export interface SasKeys {
  /** The initiator's (dialer's) identity key. */
  initiator: Uint8Array;
  /** The responder's (listener's) identity key: the side that commits. */
  responder: Uint8Array;
}

function context(ctx: string): Uint8Array {
  const bytes = utf8(ctx);
  if (bytes.length > 0xffff) throw new InvalidArgumentError('A SAS context must be shorter than 64 KiB.');
  return concatBytes(u16be(bytes.length), bytes);
}

function check(keys: SasKeys, ...nonces: Uint8Array[]): void {
  if (keys.initiator.length !== 32 || keys.responder.length !== 32)
    throw new InvalidArgumentError('SAS keys must be 32-byte Ed25519 public keys.');
  for (const n of nonces)
    if (n.length !== SAS_NONCE_BYTES) throw new InvalidArgumentError('A SAS nonce must be 32 bytes.');
}

/** The responder's commitment to its nonce. */
export function sasCommit(ctx: string, keys: SasKeys, responderNonce: Uint8Array): Uint8Array {
  check(keys, responderNonce);
  return sha256(concatBytes(COMMIT_LABEL, context(ctx), keys.responder, keys.initiator, responderNonce));
}

/** The initiator's check that the revealed nonce is the one committed to. */
export function sasCommitmentHolds(
  ctx: string,
  keys: SasKeys,
  commitment: Uint8Array,
  responderNonce: Uint8Array,
): boolean {
  return (
    commitment.length === SAS_COMMIT_BYTES && equalBytes(sasCommit(ctx, keys, responderNonce), commitment)
  );
}

/** The six digits both screens show. */
export function sasCode(
  ctx: string,
  keys: SasKeys,
  initiatorNonce: Uint8Array,
  responderNonce: Uint8Array,
): string {
  check(keys, initiatorNonce, responderNonce);
  const h = sha256(
    concatBytes(CODE_LABEL, context(ctx), keys.initiator, keys.responder, initiatorNonce, responderNonce),
  );
  let n = 0n;
  for (let i = 0; i < 8; i++) n = (n << 8n) | BigInt(h[i]!);
  // 2^64 mod 10^6 leaves a bias below 10^-13 per value.
  return String(n % 1_000_000n).padStart(6, '0');
}
