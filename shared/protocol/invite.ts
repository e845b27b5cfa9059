/**
 * Invite codes: what one person shows (QR) or sends (text) so a friend can pair with them. Same payload for both.
 *
 *   text   = "TESSERA:" || base32(bytes || check)        (Crockford base32, uppercase)
 *   bytes  = version (0x01) || CBOR map {k, b, s, n, a, x, r}
 *   check  = SHA-256("tessera-invite-check-v1" 0x00 || bytes)[0..4]
 *
 *   k = Ed25519 identity public key (32; the peer ID is derived from it)
 *   b = X25519 box public key (32), s = its signature by k (64, see shared/crypto/identity.ts)
 *   n = display name (1..64 characters), a = up to 8 multiaddr strings, x = expiry (Unix ms)
 *   r = 16 random bytes: only someone who holds the invite knows them, so the invite hash proves possession.
 *
 * A mistyped or truncated code fails the checksum (InvalidCodeError); an unknown version is UnsupportedFormatError;
 * an expired invite is ExpiredError (checked by `checkInviteFresh`).
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { concatBytes } from '../crypto/bytes.ts';
import { MalformedDataError, UnsupportedFormatError } from '../crypto/errors.ts';
import { peerIdOf, verifyBoxKey } from '../crypto/identity.ts';
import { ExpiredError, InvalidCodeError } from '../errors.ts';
import { addressReader, decodeCheckedCode, encodeCheckedCode, formatExpiry } from './checked-code.ts';
import { INVITE_PREFIX, RECOVERY_CODE_PREFIX } from './code-prefixes.ts';
import type { CheckedCodeFormat } from './checked-code.ts';
import { decodeCanonical, encodeCanonical } from '../formats/cbor.ts';
import { Fields } from './fields.ts';

export const INVITE_VERSION = 1;
export { INVITE_PREFIX } from './code-prefixes.ts';
export const INVITE_MAX_BYTES = 1024;
export const INVITE_MAX_ADDRESSES = 8;
export const INVITE_MAX_ADDRESS_CHARS = 200;
export const NAME_MAX_CHARS = 64;
export const INVITE_SECRET_BYTES = 16;

export interface Invite {
  signPublic: Uint8Array;
  boxPublic: Uint8Array;
  boxSignature: Uint8Array;
  name: string;
  addresses: string[];
  expiresAt: number;
  secret: Uint8Array;
}

export interface DecodedInvite extends Invite {
  peerId: string;
  /** SHA-256 of the exact invite bytes: binds pairing to this invite. */
  hash: Uint8Array;
}

const checkAddress = addressReader('Invite', INVITE_MAX_ADDRESS_CHARS);

/** The invite's binary form (version byte + CBOR), without checksum. */
export function inviteBytes(invite: Invite): Uint8Array {
  if (invite.signPublic.length !== 32 || invite.boxPublic.length !== 32 || invite.boxSignature.length !== 64)
    throw new MalformedDataError('Invite', 'key lengths are wrong');
  if (invite.secret.length !== INVITE_SECRET_BYTES)
    throw new MalformedDataError('Invite', 'secret length is wrong');
  const nameChars = [...invite.name].length;
  if (nameChars < 1 || nameChars > NAME_MAX_CHARS)
    throw new MalformedDataError('Invite', 'name length is wrong');
  if (invite.addresses.length > INVITE_MAX_ADDRESSES)
    throw new MalformedDataError('Invite', 'too many addresses');
  invite.addresses.forEach(checkAddress);
  if (!Number.isSafeInteger(invite.expiresAt) || invite.expiresAt < 0)
    throw new MalformedDataError('Invite', 'expiry is not a timestamp');
  const body = encodeCanonical({
    k: invite.signPublic,
    b: invite.boxPublic,
    s: invite.boxSignature,
    n: invite.name,
    a: invite.addresses,
    x: invite.expiresAt,
    r: invite.secret,
  });
  const bytes = concatBytes(new Uint8Array([INVITE_VERSION]), body);
  if (bytes.length > INVITE_MAX_BYTES)
    throw new MalformedDataError('Invite', `larger than ${INVITE_MAX_BYTES} bytes`);
  return bytes;
}

export function inviteHash(bytes: Uint8Array): Uint8Array {
  return sha256(bytes);
}

export function encodeInvite(invite: Invite): string {
  const bytes = inviteBytes(invite);
  return encodeCheckedCode(INVITE_FORMAT, bytes);
}

function decodeInviteBytes(bytes: Uint8Array): DecodedInvite {
  if (bytes[0] !== INVITE_VERSION) throw new UnsupportedFormatError('This invite code', bytes[0]);
  const f = new Fields(decodeCanonical(bytes.subarray(1), INVITE_MAX_BYTES, 'Invite'), 'Invite', [
    'k',
    'b',
    's',
    'n',
    'a',
    'x',
    'r',
  ]);
  const invite: Invite = {
    signPublic: f.bytes('k', 32),
    boxPublic: f.bytes('b', 32),
    boxSignature: f.bytes('s', 64),
    name: f.text('n', NAME_MAX_CHARS, 1),
    addresses: f.array('a', INVITE_MAX_ADDRESSES, checkAddress),
    expiresAt: f.uint('x'),
    secret: f.bytes('r', INVITE_SECRET_BYTES),
  };
  if (!verifyBoxKey(invite.signPublic, invite.boxPublic, invite.boxSignature))
    throw new InvalidCodeError(
      'This invite code carries a key that its owner did not sign. Ask for a new code.',
    );
  let peerId: string;
  try {
    peerId = peerIdOf(invite.signPublic);
  } catch (err) {
    throw new InvalidCodeError(
      'This invite carries an identity key that is not valid. Ask your friend for a new invite.',
      { cause: err },
    );
  }
  return { ...invite, peerId, hash: inviteHash(bytes) };
}

const INVITE_FORMAT: CheckedCodeFormat<DecodedInvite> = {
  noun: 'invite',
  prefix: INVITE_PREFIX,
  prefixHint: 'Ask your friend to send their invite again, or scan it from their screen.',
  otherKinds: [
    {
      prefix: RECOVERY_CODE_PREFIX,
      message:
        'This is a recovery code, not an invite. It belongs in “Help a friend recover”; to add a friend, use the ' +
        'invite their Friends screen shows.',
    },
  ],
  checkLabel: 'tessera-invite-check-v1',
  maxBytes: INVITE_MAX_BYTES,
  decodeBytes: (bytes) => decodeInviteBytes(bytes),
};

/**
 * Parses an invite code. Any input (wrong type, too long, typo, bad CBOR, bad signature) gives a TesseraError:
 * InvalidCodeError, or UnsupportedFormatError for a newer format. Does not check expiry.
 */
export function decodeInvite(text: unknown): DecodedInvite {
  return decodeCheckedCode(INVITE_FORMAT, text);
}

export function checkInviteFresh(invite: Invite, now: number): void {
  if (invite.expiresAt <= now)
    throw new ExpiredError(
      `This invite expired at ${formatExpiry(invite.expiresAt)}. Ask your friend to show you a new one.`,
    );
}
