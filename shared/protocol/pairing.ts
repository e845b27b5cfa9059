/**
 * The pairing protocol (/tessera/pair/1.0.0): two people who have each accepted the other's invite prove it to each
 * other over a Noise-authenticated stream. The side holding both invites dials the other's pinned peer ID:
 *
 *   D → L  hello    { v: 1, t: 1, li: H(listener's invite) }           "I hold your invite"
 *   L → D  challenge{ v: 1, t: 2, di: H(dialer's invite), sig: sigL }  "I hold yours", signed
 *   D → L  confirm  { v: 1, t: 3, sig: sigD }
 *   L → D  done     { v: 1, t: 4 }     (the listener has stored the friend; the dialer stores it on receipt)
 *   either refused  { v: 1, t: 5, reason }
 *
 *   T    = SHA-256("tessera-pair-transcript-v1" 0x00 || kD || kL || H(dialer's invite) || H(listener's invite))
 *   sigX = Ed25519 over signingInput("tessera/pair/v1", T || role)   role = 0x4C ('L') or 0x44 ('D')
 *
 * H(invite) covers the invite's 16 random bytes, so only a holder of the invite can name it. The code both people
 * compare comes afterwards, from a run of the code comparison (shared/protocol/verify.ts, PROTOCOL §8.5).
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { concatBytes, utf8 } from '../crypto/bytes.ts';
import { MalformedDataError, UnsupportedFormatError } from '../crypto/errors.ts';
import { signWithContext, verifyWithContext } from '../crypto/sign.ts';
import { decodeCanonical, encodeCanonical } from '../formats/cbor.ts';
import { Fields } from './fields.ts';
import { MESSAGE_CAPS } from './protocols.ts';

export const PAIR_CONTEXT = 'tessera/pair/v1';
export const PAIR_REASON_MAX_CHARS = 200;

export type PairMessage =
  | { t: 1; li: Uint8Array }
  | { t: 2; di: Uint8Array; sig: Uint8Array }
  | { t: 3; sig: Uint8Array }
  | { t: 4 }
  | { t: 5; reason: string };

export function encodePairMessage(msg: PairMessage): Uint8Array {
  return encodeCanonical({ v: 1, ...msg });
}

export function decodePairMessage(bytes: Uint8Array): PairMessage {
  const value = decodeCanonical(bytes, MESSAGE_CAPS.pair, 'Pairing message');
  const head = new Fields(value, 'Pairing message', ['v', 't', 'li', 'di', 'sig', 'reason']);
  const v = head.uint('v', 255);
  if (v !== 1) throw new UnsupportedFormatError('A pairing message', v);
  const t = head.uint('t', 255);
  switch (t) {
    case 1: {
      const f = new Fields(value, 'Pairing hello', ['v', 't', 'li']);
      return { t, li: f.bytes('li', 32) };
    }
    case 2: {
      const f = new Fields(value, 'Pairing challenge', ['v', 't', 'di', 'sig']);
      return { t, di: f.bytes('di', 32), sig: f.bytes('sig', 64) };
    }
    case 3: {
      const f = new Fields(value, 'Pairing confirmation', ['v', 't', 'sig']);
      return { t, sig: f.bytes('sig', 64) };
    }
    case 4: {
      new Fields(value, 'Pairing result', ['v', 't']);
      return { t };
    }
    case 5: {
      const f = new Fields(value, 'Pairing refusal', ['v', 't', 'reason']);
      return { t, reason: f.text('reason', PAIR_REASON_MAX_CHARS) };
    }
    default:
      throw new MalformedDataError('Pairing message', `unknown type ${t}`);
  }
}

const TRANSCRIPT_LABEL = utf8('tessera-pair-transcript-v1\0');

export interface PairTranscript {
  dialerKey: Uint8Array;
  listenerKey: Uint8Array;
  dialerInvite: Uint8Array;
  listenerInvite: Uint8Array;
}

export function pairTranscript(t: PairTranscript): Uint8Array {
  for (const part of [t.dialerKey, t.listenerKey, t.dialerInvite, t.listenerInvite])
    if (part.length !== 32) throw new MalformedDataError('Pairing transcript', 'every part must be 32 bytes');
  return sha256(concatBytes(TRANSCRIPT_LABEL, t.dialerKey, t.listenerKey, t.dialerInvite, t.listenerInvite));
}

export type PairRole = 'dialer' | 'listener';

function rolePayload(transcript: Uint8Array, role: PairRole): Uint8Array {
  return concatBytes(transcript, new Uint8Array([role === 'listener' ? 0x4c : 0x44]));
}

export function signPairing(transcript: Uint8Array, role: PairRole, signSeed: Uint8Array): Uint8Array {
  return signWithContext(PAIR_CONTEXT, rolePayload(transcript, role), signSeed);
}

export function verifyPairing(
  transcript: Uint8Array,
  role: PairRole,
  signature: Uint8Array,
  signPublic: Uint8Array,
): boolean {
  return verifyWithContext(PAIR_CONTEXT, rolePayload(transcript, role), signature, signPublic);
}
