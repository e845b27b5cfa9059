/**
 * Tessera identity: an Ed25519 key (which is also the libp2p identity, so the peer ID is derived from it) and a
 * separate X25519 "box" key for encryption, whose public half is signed by the identity key.
 *
 *   boxSignature = Ed25519(signSeed, signingInput("tessera/box-key/v1", signPublic || boxPublic))
 *
 * peerIdOf() reproduces libp2p's Ed25519 peer ID (identity multihash of the protobuf PublicKey, base58btc), and
 * fingerprintOf() gives a 30-digit code people can read aloud to compare keys.
 */
import { ed25519, x25519 } from '@noble/curves/ed25519.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { concatBytes, equalBytes, fromBase58btc, toBase58btc, utf8 } from './bytes.ts';
import { MalformedDataError } from './errors.ts';
import { systemRandom, takeRandom, type RandomSource } from './random.ts';
import { SIGN_CONTEXTS, signWithContext, verifyWithContext } from './sign.ts';

export interface IdentityKeys {
  signSeed: Uint8Array;
  signPublic: Uint8Array;
  boxSecret: Uint8Array;
  boxPublic: Uint8Array;
  boxSignature: Uint8Array;
}

function boxKeyPayload(signPublic: Uint8Array, boxPublic: Uint8Array): Uint8Array {
  return concatBytes(signPublic, boxPublic);
}

/** New identity: 32 random bytes for the Ed25519 seed, then 32 for the X25519 secret. */
export function generateIdentity(random: RandomSource = systemRandom): IdentityKeys {
  const signSeed = takeRandom(random, 32);
  const boxSecret = takeRandom(random, 32);
  return identityFromSecrets(signSeed, boxSecret);
}

/** Rebuilds the full key set from the two secrets (e.g. when restoring a snapshot). */
export function identityFromSecrets(signSeed: Uint8Array, boxSecret: Uint8Array): IdentityKeys {
  if (signSeed.length !== 32 || boxSecret.length !== 32)
    throw new MalformedDataError('Identity secret', 'keys must be 32 bytes');
  const signPublic = ed25519.getPublicKey(signSeed);
  const boxPublic = x25519.getPublicKey(boxSecret);
  const boxSignature = signWithContext(SIGN_CONTEXTS.boxKey, boxKeyPayload(signPublic, boxPublic), signSeed);
  return {
    signSeed: Uint8Array.from(signSeed),
    signPublic,
    boxSecret: Uint8Array.from(boxSecret),
    boxPublic,
    boxSignature,
  };
}

/** True iff `boxSignature` is the identity key's signature binding `boxPublic` to it. Never throws. */
export function verifyBoxKey(
  signPublic: Uint8Array,
  boxPublic: Uint8Array,
  boxSignature: Uint8Array,
): boolean {
  if (boxPublic.length !== 32) return false;
  return verifyWithContext(
    SIGN_CONTEXTS.boxKey,
    boxKeyPayload(signPublic, boxPublic),
    boxSignature,
    signPublic,
  );
}

/** True iff the secrets in `keys` match their public halves and the box signature verifies. */
export function checkIdentity(keys: IdentityKeys): boolean {
  try {
    const rebuilt = identityFromSecrets(keys.signSeed, keys.boxSecret);
    return (
      equalBytes(rebuilt.signPublic, keys.signPublic) &&
      equalBytes(rebuilt.boxPublic, keys.boxPublic) &&
      verifyBoxKey(keys.signPublic, keys.boxPublic, keys.boxSignature)
    );
  } catch {
    return false;
  }
}

// libp2p: protobuf PublicKey { Type = Ed25519 (1), Data = 32 bytes } = 08 01 12 20 || key,
// wrapped in an identity multihash (code 0x00, length 0x24).
const PEER_ID_PREFIX = new Uint8Array([0x00, 0x24, 0x08, 0x01, 0x12, 0x20]);

/** The libp2p peer ID string ("12D3KooW…") of an Ed25519 public key. */
export function peerIdOf(signPublic: Uint8Array): string {
  if (signPublic.length !== 32) throw new MalformedDataError('Ed25519 public key', 'must be 32 bytes');
  return toBase58btc(concatBytes(PEER_ID_PREFIX, signPublic));
}

/** Inverse of peerIdOf: the Ed25519 public key inside a "12D3KooW…" peer ID. */
export function signPublicFromPeerId(peerId: string): Uint8Array {
  const bytes = fromBase58btc(peerId, 64);
  if (bytes.length !== 38 || !equalBytes(bytes.subarray(0, 6), PEER_ID_PREFIX))
    throw new MalformedDataError('Peer ID', 'not an Ed25519 libp2p peer ID');
  return bytes.slice(6);
}

const FINGERPRINT_LABEL = utf8('tessera-fingerprint-v1\0');

/**
 * A 30-digit fingerprint in six groups of five ("01234 56789 …"): SHA-256("tessera-fingerprint-v1" 0x00 ||
 * signPublic), each group = big-endian 40-bit integer of 5 consecutive hash bytes, mod 100000, zero-padded.
 */
export function fingerprintOf(signPublic: Uint8Array): string {
  if (signPublic.length !== 32) throw new MalformedDataError('Ed25519 public key', 'must be 32 bytes');
  return digitGroups(sha256(concatBytes(FINGERPRINT_LABEL, signPublic)), 6);
}

/** `groups` groups of 5 decimal digits from the first 5*groups bytes of `hash`. */
export function digitGroups(hash: Uint8Array, groups: number): string {
  const out: string[] = [];
  for (let g = 0; g < groups; g++) {
    let n = 0;
    for (let i = 0; i < 5; i++) n = n * 256 + hash[g * 5 + i]!;
    out.push(String(n % 100000).padStart(5, '0'));
  }
  return out.join(' ');
}
