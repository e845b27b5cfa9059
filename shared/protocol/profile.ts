/**
 * Telling friends a new name (/tessera/profile/1.0.0, PROTOCOL §8.6). Pairing carries the name once (in the invite);
 * when a person renames themselves, each friend is sent a name notice signed by the identity key:
 *
 *   body    = canonical CBOR { v: 1, key: bytes(32) identity key, name: text 1..64, serial: uint }
 *   sig     = Ed25519(identity, signingInput("tessera/profile-name/v1", body))
 *
 *   sender → receiver  notice  { v: 1, t: 1, body: bytes ≤ 256, sig: bytes(64) }
 *   receiver → sender  ok      { v: 1, t: 2 }              (this name, or a newer one, is stored)
 *                      refused { v: 1, t: 3, reason: text ≤ 200 }
 *
 * `serial` increases with every rename (the sender's clock in ms, or the last serial plus one if that is larger), so
 * a receiver refuses a notice whose serial is below the last one it accepted: a replayed old name never comes back.
 */
import { MalformedDataError, UnsupportedFormatError } from '../crypto/errors.ts';
import { equalBytes } from '../crypto/bytes.ts';
import { SIGN_CONTEXTS, signWithContext, verifyWithContext } from '../crypto/sign.ts';
import { decodeCanonical, encodeCanonical } from '../formats/cbor.ts';
import { Fields } from './fields.ts';

export const PROFILE_NAME_CONTEXT = SIGN_CONTEXTS.profileName;
export const MAX_PROFILE_MESSAGE_BYTES = 512;
export const MAX_NAME_BODY_BYTES = 256;
export const PROFILE_NAME_MAX_CHARS = 64;
const REASON_MAX = 200;

export type ProfileMessage =
  { t: 1; body: Uint8Array; sig: Uint8Array } | { t: 2 } | { t: 3; reason: string };

export interface NameNotice {
  /** The identity key of the person renamed (32 bytes). */
  key: Uint8Array;
  name: string;
  serial: number;
}

export function encodeProfileMessage(msg: ProfileMessage): Uint8Array {
  return encodeCanonical({ v: 1, ...msg });
}

export function decodeProfileMessage(bytes: Uint8Array): ProfileMessage {
  const what = 'Name notice message';
  const value = decodeCanonical(bytes, MAX_PROFILE_MESSAGE_BYTES, what);
  const head = new Fields(value, what, ['v', 't', 'body', 'sig', 'reason']);
  const v = head.uint('v', 255);
  if (v !== 1) throw new UnsupportedFormatError(what, v);
  const t = head.uint('t', 255);
  switch (t) {
    case 1: {
      const f = new Fields(value, what, ['v', 't', 'body', 'sig']);
      return { t, body: f.bytesUpTo('body', MAX_NAME_BODY_BYTES), sig: f.bytes('sig', 64) };
    }
    case 2:
      new Fields(value, what, ['v', 't']);
      return { t };
    case 3:
      return { t, reason: new Fields(value, what, ['v', 't', 'reason']).text('reason', REASON_MAX) };
    default:
      throw new MalformedDataError(what, `unknown type ${t}`);
  }
}

function checkName(name: string, what: string): void {
  const chars = [...name].length;
  if (chars < 1 || chars > PROFILE_NAME_MAX_CHARS || name.trim() !== name || name.length === 0)
    throw new MalformedDataError(what, `the name must be 1..${PROFILE_NAME_MAX_CHARS} characters, trimmed`);
}

/** Signs a name notice with the identity key (`signSeed` and its public `key`). */
export function signNameNotice(
  notice: NameNotice,
  signSeed: Uint8Array,
): { body: Uint8Array; sig: Uint8Array } {
  checkName(notice.name, 'Name notice');
  if (!Number.isSafeInteger(notice.serial) || notice.serial < 1)
    throw new MalformedDataError('Name notice', 'the serial must be a positive integer');
  const body = encodeCanonical({ v: 1, key: notice.key, name: notice.name, serial: notice.serial });
  return { body, sig: signWithContext(PROFILE_NAME_CONTEXT, body, signSeed) };
}

/**
 * Opens a name notice from the friend whose identity key is `from` (the Noise-authenticated peer): the body must
 * name that key and carry its signature. Throws MalformedDataError otherwise.
 */
export function openNameNotice(body: Uint8Array, sig: Uint8Array, from: Uint8Array): NameNotice {
  const what = 'Name notice';
  const f = new Fields(decodeCanonical(body, MAX_NAME_BODY_BYTES, what), what, [
    'v',
    'key',
    'name',
    'serial',
  ]);
  const v = f.uint('v', 255);
  if (v !== 1) throw new UnsupportedFormatError(what, v);
  const key = f.bytes('key', 32);
  const name = f.text('name', PROFILE_NAME_MAX_CHARS, 1);
  checkName(name, what);
  const serial = f.uint('serial');
  if (serial < 1) throw new MalformedDataError(what, 'the serial must be a positive integer');
  if (!equalBytes(key, from)) throw new MalformedDataError(what, 'it names another identity');
  if (!verifyWithContext(PROFILE_NAME_CONTEXT, body, sig, from))
    throw new MalformedDataError(what, 'the signature does not verify');
  return { key, name, serial };
}

/**
 * What a receiver does with a verified notice, given the last serial it accepted from that friend (null: none) and
 * the name it stores: `accept` a newer serial; `same` for the serial already accepted with the same name (a notice
 * delivered twice); `replay` for anything older, or the same serial with another name.
 */
export function judgeNameNotice(
  notice: Pick<NameNotice, 'name' | 'serial'>,
  lastSerial: number | null,
  storedName: string,
): 'accept' | 'same' | 'replay' {
  if (lastSerial === null || notice.serial > lastSerial) return 'accept';
  if (notice.serial === lastSerial && notice.name === storedName) return 'same';
  return 'replay';
}

/** The next serial after `last` at time `now`: the clock, unless it went back, then one more than the last. */
export function nextNameSerial(last: number, now: number): number {
  return Math.max(Math.floor(now), last + 1);
}
