/**
 * Comparing codes with a friend (/tessera/verify/1.0.0, PROTOCOL §8.5): the SAS exchange of shared/crypto/sas.ts
 * between two paired friends over their Noise-authenticated connection. The initiator (dialer) asks, the responder
 * commits first:
 *
 *   I → R  start  { v: 1, t: 1 }
 *   R → I  commit { v: 1, t: 2, c: bytes(32) }
 *   I → R  nonce  { v: 1, t: 3, n: bytes(32) }
 *   R → I  reveal { v: 1, t: 4, n: bytes(32) }
 *   either refused { v: 1, t: 5, reason: text ≤ 200 }
 *
 * Both sides then show sasCode("tessera/friends-sas/v1", { initiator: kI, responder: kR }, nI, nR).
 */
import { MalformedDataError, UnsupportedFormatError } from '../crypto/errors.ts';
import { SAS_COMMIT_BYTES, SAS_NONCE_BYTES } from '../crypto/sas.ts';
import { decodeCanonical, encodeCanonical } from '../formats/cbor.ts';
import { Fields } from './fields.ts';

export const VERIFY_SAS_CONTEXT = 'tessera/friends-sas/v1';
export const MAX_VERIFY_MESSAGE_BYTES = 512;
const REASON_MAX = 200;

export type VerifyMessage =
  | { t: 1 }
  | { t: 2; c: Uint8Array }
  | { t: 3; n: Uint8Array }
  | { t: 4; n: Uint8Array }
  | { t: 5; reason: string };

export function encodeVerifyMessage(msg: VerifyMessage): Uint8Array {
  return encodeCanonical({ v: 1, ...msg });
}

export function decodeVerifyMessage(bytes: Uint8Array): VerifyMessage {
  const what = 'Code comparison message';
  const value = decodeCanonical(bytes, MAX_VERIFY_MESSAGE_BYTES, what);
  const head = new Fields(value, what, ['v', 't', 'c', 'n', 'reason']);
  const v = head.uint('v', 255);
  if (v !== 1) throw new UnsupportedFormatError(what, v);
  const t = head.uint('t', 255);
  switch (t) {
    case 1:
      new Fields(value, what, ['v', 't']);
      return { t };
    case 2:
      return { t, c: new Fields(value, what, ['v', 't', 'c']).bytes('c', SAS_COMMIT_BYTES) };
    case 3:
    case 4:
      return { t, n: new Fields(value, what, ['v', 't', 'n']).bytes('n', SAS_NONCE_BYTES) };
    case 5:
      return { t, reason: new Fields(value, what, ['v', 't', 'reason']).text('reason', REASON_MAX) };
    default:
      throw new MalformedDataError(what, `unknown type ${t}`);
  }
}
