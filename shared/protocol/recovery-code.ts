/**
 * Recovery codes: what a new device shows (QR) or prints (text) while it collects shards. Same payload for both.
 *
 *   text   = "TESSERA-RECOVER:" || base32(bytes || check)        (Crockford base32, uppercase)
 *   bytes  = version (0x01) || CBOR map {k, b, s, a, x, r}
 *   check  = SHA-256("tessera-recovery-check-v1" 0x00 || bytes)[0..4]
 *
 *   k = the session's Ed25519 public key (32; its libp2p peer ID is derived from it and pinned when dialing)
 *   b = the session's X25519 box public key (32), s = its signature by k (64)
 *   a = up to 8 multiaddr strings (LAN addresses of the session), x = expiry (Unix ms)
 *   r = 16 random bytes: a custodian proves it holds the code with `possessionProof` (hello and offer carry it)
 *   m = 1 (optional): a remote code (PROTOCOL §11.7): the custodian shows a reply code and its approval waits
 *
 * The session identity is ephemeral (fresh keys per recovery), unrelated to the vault identity being recovered.
 * A mistyped or truncated code fails the checksum (InvalidCodeError), an unknown version is
 * UnsupportedFormatError, an expired code is ExpiredError (`checkRecoveryCodeFresh`).
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { concatBytes, utf8 } from '../crypto/bytes.ts';
import { MalformedDataError, UnsupportedFormatError } from '../crypto/errors.ts';
import { peerIdOf, verifyBoxKey } from '../crypto/identity.ts';
import { ExpiredError, InvalidCodeError } from '../errors.ts';
import { decodeCanonical, encodeCanonical } from '../formats/cbor.ts';
import { addressReader, decodeCheckedCode, encodeCheckedCode, formatExpiry } from './checked-code.ts';
import { INVITE_PREFIX, RECOVERY_CODE_PREFIX } from './code-prefixes.ts';
import type { CheckedCodeFormat } from './checked-code.ts';
import { Fields } from './fields.ts';

export const RECOVERY_CODE_VERSION = 1;
export { RECOVERY_CODE_PREFIX } from './code-prefixes.ts';
export const RECOVERY_CODE_MAX_BYTES = 1024;
export const RECOVERY_CODE_MAX_ADDRESSES = 8;
export const RECOVERY_CODE_MAX_ADDRESS_CHARS = 200;
export const RECOVERY_SECRET_BYTES = 16;

export interface RecoveryCode {
  signPublic: Uint8Array;
  boxPublic: Uint8Array;
  boxSignature: Uint8Array;
  addresses: string[];
  expiresAt: number;
  secret: Uint8Array;
  /** A remote recovery (PROTOCOL §11.7): the friends are elsewhere; pieces wait for the owner's waiting period. */
  remote?: boolean;
}

export interface DecodedRecoveryCode extends RecoveryCode {
  /** The session's libp2p peer ID (pinned when dialing). */
  peerId: string;
}

const PROOF_LABEL = utf8('tessera-recovery-proof-v1\0');

/**
 * What a custodian sends to show it holds the code: SHA-256("tessera-recovery-proof-v1" 0x00 || k || r). It stays
 * the same when the session re-issues its code with new addresses or a later expiry.
 */
export function possessionProof(code: Pick<RecoveryCode, 'signPublic' | 'secret'>): Uint8Array {
  return sha256(concatBytes(PROOF_LABEL, code.signPublic, code.secret));
}

const checkAddress = addressReader('Recovery code', RECOVERY_CODE_MAX_ADDRESS_CHARS);

/** The code's binary form (version byte + CBOR), without checksum. */
export function recoveryCodeBytes(code: RecoveryCode): Uint8Array {
  if (code.signPublic.length !== 32 || code.boxPublic.length !== 32 || code.boxSignature.length !== 64)
    throw new MalformedDataError('Recovery code', 'key lengths are wrong');
  if (code.secret.length !== RECOVERY_SECRET_BYTES)
    throw new MalformedDataError('Recovery code', 'secret length is wrong');
  if (code.addresses.length > RECOVERY_CODE_MAX_ADDRESSES)
    throw new MalformedDataError('Recovery code', 'too many addresses');
  code.addresses.forEach(checkAddress);
  if (!Number.isSafeInteger(code.expiresAt) || code.expiresAt < 0)
    throw new MalformedDataError('Recovery code', 'expiry is not a timestamp');
  const body = encodeCanonical({
    k: code.signPublic,
    b: code.boxPublic,
    s: code.boxSignature,
    a: code.addresses,
    x: code.expiresAt,
    r: code.secret,
    ...(code.remote === true ? { m: 1 } : {}),
  });
  const bytes = concatBytes(new Uint8Array([RECOVERY_CODE_VERSION]), body);
  if (bytes.length > RECOVERY_CODE_MAX_BYTES)
    throw new MalformedDataError('Recovery code', `larger than ${RECOVERY_CODE_MAX_BYTES} bytes`);
  return bytes;
}

export function encodeRecoveryCode(code: RecoveryCode): string {
  const bytes = recoveryCodeBytes(code);
  return encodeCheckedCode(RECOVERY_CODE_FORMAT, bytes);
}

function decodeBytes(bytes: Uint8Array): DecodedRecoveryCode {
  if (bytes[0] !== RECOVERY_CODE_VERSION) throw new UnsupportedFormatError('This recovery code', bytes[0]);
  const f = new Fields(
    decodeCanonical(bytes.subarray(1), RECOVERY_CODE_MAX_BYTES, 'Recovery code'),
    'Recovery code',
    ['k', 'b', 's', 'a', 'x', 'r', 'm'],
  );
  const code: RecoveryCode = {
    signPublic: f.bytes('k', 32),
    boxPublic: f.bytes('b', 32),
    boxSignature: f.bytes('s', 64),
    addresses: f.array('a', RECOVERY_CODE_MAX_ADDRESSES, checkAddress),
    expiresAt: f.uint('x'),
    secret: f.bytes('r', RECOVERY_SECRET_BYTES),
  };
  if (f.has('m')) {
    if (f.uint('m', 1) !== 1)
      throw new InvalidCodeError('This recovery code names a mode this Tessera does not know.');
    code.remote = true;
  }
  if (!verifyBoxKey(code.signPublic, code.boxPublic, code.boxSignature))
    throw new InvalidCodeError(
      'This recovery code carries an encryption key its device did not sign. Ask for the code again.',
    );
  let peerId: string;
  try {
    peerId = peerIdOf(code.signPublic);
  } catch (err) {
    throw new InvalidCodeError(
      'This recovery code carries a device key that is not valid. Ask your friend to show the code again.',
      { cause: err },
    );
  }
  return { ...code, peerId };
}

const RECOVERY_CODE_FORMAT: CheckedCodeFormat<DecodedRecoveryCode> = {
  noun: 'recovery code',
  prefix: RECOVERY_CODE_PREFIX,
  checkLabel: 'tessera-recovery-check-v1',
  maxBytes: RECOVERY_CODE_MAX_BYTES,
  prefixHint: 'Copy it from your friend’s new device, or scan it from its screen.',
  otherKinds: [
    {
      prefix: INVITE_PREFIX,
      message:
        'This is an invite, not a recovery code. Invites add friends (under Friends); here, enter the code your ' +
        'friend’s new device shows.',
    },
  ],
  decodeBytes: (bytes) => decodeBytes(bytes),
};

/**
 * Parses a recovery code. Any input (wrong type, too long, typo, bad CBOR, bad signature) gives a TesseraError:
 * InvalidCodeError, or UnsupportedFormatError for a newer format. Does not check expiry.
 */
export function decodeRecoveryCode(text: unknown): DecodedRecoveryCode {
  return decodeCheckedCode(RECOVERY_CODE_FORMAT, text);
}

export function checkRecoveryCodeFresh(code: RecoveryCode, now: number): void {
  if (code.expiresAt <= now)
    throw new ExpiredError(
      `This recovery code expired at ${formatExpiry(code.expiresAt)}. Ask your friend to show the current code ` +
        'on their new device.',
    );
}
