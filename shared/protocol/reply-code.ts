/**
 * Reply codes (PROTOCOL §11.7): what a custodian's device shows when it approves a remote recovery, for the person to
 * type or paste on the new device, which then dials the custodian (directly, or through the custodian's friend relay)
 * when neither side could dial the other from the recovery code alone.
 *
 *   text  = "TESSERA-REPLY:" || base32(bytes || check)                       (Crockford base32)
 *   bytes = 0x01 || canonical CBOR { k: custodian Ed25519 key (32), a: [multiaddr bytes…] (1..4) }   (≤ 300)
 *   check = SHA-256("tessera-reply-check-v1" 0x00 || bytes)[0..4]
 *
 * Addresses are binary multiaddrs (a relay address is about 50 bytes as bytes, over 100 as text), without the
 * custodian's own `/p2p/<id>`: the new device appends it, so the custodian is dialed pinned to `k`. Nothing in a reply
 * code is secret; the comparison code read aloud on the call is what authenticates the custodian (§11.3).
 */
import { multiaddr } from '@multiformats/multiaddr';
import { concatBytes } from '../crypto/bytes.ts';
import { MalformedDataError, UnsupportedFormatError } from '../crypto/errors.ts';
import { peerIdOf } from '../crypto/identity.ts';
import { InvalidCodeError } from '../errors.ts';
import { decodeCanonical, encodeCanonical } from '../formats/cbor.ts';
import { decodeCheckedCode, encodeCheckedCode } from './checked-code.ts';
import type { CheckedCodeFormat } from './checked-code.ts';
import { INVITE_PREFIX, RECOVERY_CODE_PREFIX, REPLY_CODE_PREFIX } from './code-prefixes.ts';
import { Fields } from './fields.ts';

export const REPLY_CODE_VERSION = 1;
export const REPLY_CODE_MAX_BYTES = 300;
export const REPLY_CODE_MAX_ADDRESSES = 4;
const MAX_ADDRESS_BYTES = 120;

export interface ReplyCode {
  /** The custodian's Ed25519 identity key. */
  signPublic: Uint8Array;
  /** Multiaddr strings without the custodian's `/p2p/<id>` (relay ones end in `/p2p-circuit`). */
  addresses: string[];
}

export interface DecodedReplyCode extends ReplyCode {
  /** The custodian's peer ID, pinned when dialing. */
  peerId: string;
}

export function encodeReplyCode(code: ReplyCode): string {
  if (code.signPublic.length !== 32) throw new MalformedDataError('Reply code', 'the key is not 32 bytes');
  if (code.addresses.length < 1 || code.addresses.length > REPLY_CODE_MAX_ADDRESSES)
    throw new MalformedDataError('Reply code', `it needs 1 to ${REPLY_CODE_MAX_ADDRESSES} addresses`);
  const body = encodeCanonical({ k: code.signPublic, a: code.addresses.map((a) => multiaddr(a).bytes) });
  const bytes = concatBytes(new Uint8Array([REPLY_CODE_VERSION]), body);
  if (bytes.length > REPLY_CODE_MAX_BYTES)
    throw new MalformedDataError('Reply code', `larger than ${REPLY_CODE_MAX_BYTES} bytes`);
  return encodeCheckedCode(REPLY_CODE_FORMAT, bytes);
}

function readAddress(value: unknown): string {
  if (!(value instanceof Uint8Array) || value.length === 0 || value.length > MAX_ADDRESS_BYTES)
    throw new MalformedDataError('Reply code', 'an address is not a multiaddr');
  try {
    return multiaddr(value).toString();
  } catch (err) {
    throw new MalformedDataError('Reply code', 'an address is not a multiaddr', { cause: err });
  }
}

function decodeBytes(bytes: Uint8Array): DecodedReplyCode {
  if (bytes[0] !== REPLY_CODE_VERSION) throw new UnsupportedFormatError('This reply code', bytes[0]);
  const f = new Fields(decodeCanonical(bytes.subarray(1), REPLY_CODE_MAX_BYTES, 'Reply code'), 'Reply code', [
    'k',
    'a',
  ]);
  const signPublic = f.bytes('k', 32);
  const addresses = f.array('a', REPLY_CODE_MAX_ADDRESSES, readAddress);
  if (addresses.length === 0) throw new MalformedDataError('Reply code', 'it names no address');
  let peerId: string;
  try {
    peerId = peerIdOf(signPublic);
  } catch (err) {
    throw new InvalidCodeError(
      'This reply code carries a key that is not valid. Ask your friend for it again.',
      {
        cause: err,
      },
    );
  }
  return { signPublic, addresses, peerId };
}

const REPLY_CODE_FORMAT: CheckedCodeFormat<DecodedReplyCode> = {
  noun: 'reply code',
  prefix: REPLY_CODE_PREFIX,
  checkLabel: 'tessera-reply-check-v1',
  maxBytes: REPLY_CODE_MAX_BYTES,
  prefixHint: 'Your friend’s Tessera shows it after they entered your recovery code.',
  otherKinds: [
    {
      prefix: RECOVERY_CODE_PREFIX,
      message:
        'This is a recovery code, the one this device shows for your friends. Here, enter the reply code your ' +
        'friend’s Tessera showed them.',
    },
    {
      prefix: INVITE_PREFIX,
      message: 'This is an invite, not a reply code. Enter the reply code your friend’s Tessera showed them.',
    },
  ],
  decodeBytes: (bytes) => decodeBytes(bytes),
};

/** Parses a reply code; any bad input is an InvalidCodeError (or UnsupportedFormatError) that says what to do. */
export function decodeReplyCode(text: unknown): DecodedReplyCode {
  return decodeCheckedCode(REPLY_CODE_FORMAT, text);
}
