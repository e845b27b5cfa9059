/**
 * Telling the owner and each other about a remote recovery (/tessera/recovery-watch/1.0.0, PROTOCOL §11.7). A
 * custodian that approves, withdraws or releases signs a notice; the owner's device signs a cancel. Both are signed so
 * that a friend can pass them on and the receiver still checks who said it.
 *
 *   noticeBody = CBOR { v: 1, owner: bytes32, session: bytes32, custodian: bytes32,
 *                       state: 1 approved | 2 withdrawn | 3 released, until: ms, path: 1 direct | 2 relayed, at: ms }
 *   notice     = { v: 1, t: 1, body, sig: Ed25519(custodian, signingInput("tessera/recovery-notice/v1", body)) }
 *   cancelBody = CBOR { v: 1, owner: bytes32, session: bytes32, at: ms }
 *   cancel     = { v: 1, t: 2, body, sig: Ed25519(owner, signingInput("tessera/recovery-cancel/v1", body)) }
 *   ok         = { v: 1, t: 3 }        refused = { v: 1, t: 4, reason: text ≤ 300 }
 *
 * `session` is the new device's session key (the `k` of its recovery code): it names one recovery. `owner` is the
 * identity key of the vault being recovered; `custodian` the identity key of the friend who approved.
 */
import { MalformedDataError, UnsupportedFormatError } from '../crypto/errors.ts';
import { SIGN_CONTEXTS, signWithContext, verifyWithContext } from '../crypto/sign.ts';
import { decodeCanonical, encodeCanonical } from '../formats/cbor.ts';
import { Fields } from './fields.ts';

export const MAX_WATCH_MESSAGE_BYTES = 1024;
const MAX_BODY_BYTES = 512;
const REASON_MAX = 300;

export type WatchState = 'approved' | 'withdrawn' | 'released';
export type WatchPath = 'direct' | 'relayed';
const STATES: WatchState[] = ['approved', 'withdrawn', 'released'];
const PATHS: WatchPath[] = ['direct', 'relayed'];

export interface RecoveryNotice {
  owner: Uint8Array;
  session: Uint8Array;
  custodian: Uint8Array;
  state: WatchState;
  /** When the custodian releases its piece (approved), or released it (released); for withdrawn, when it withdrew. */
  until: number;
  path: WatchPath;
  at: number;
}

export interface RecoveryCancel {
  owner: Uint8Array;
  session: Uint8Array;
  at: number;
}

export type WatchMessage =
  | { t: 'notice'; body: Uint8Array; sig: Uint8Array }
  | { t: 'cancel'; body: Uint8Array; sig: Uint8Array }
  | { t: 'ok' }
  | { t: 'refused'; reason: string };

const TYPE_CODES = { notice: 1, cancel: 2, ok: 3, refused: 4 } as const;

export function encodeWatchMessage(msg: WatchMessage): Uint8Array {
  const { t, ...fields } = msg;
  if (msg.t === 'refused')
    return encodeCanonical({ v: 1, t: 4, reason: [...msg.reason].slice(0, REASON_MAX).join('') });
  return encodeCanonical({ v: 1, t: TYPE_CODES[t], ...fields });
}

export function decodeWatchMessage(bytes: Uint8Array): WatchMessage {
  const what = 'Recovery watch message';
  const value = decodeCanonical(bytes, MAX_WATCH_MESSAGE_BYTES, what);
  const head = new Fields(value, what, ['v', 't', 'body', 'sig', 'reason']);
  const v = head.uint('v', 255);
  if (v !== 1) throw new UnsupportedFormatError(what, v);
  switch (head.uint('t', 255)) {
    case 1:
    case 2: {
      const f = new Fields(value, what, ['v', 't', 'body', 'sig']);
      return {
        t: head.uint('t', 2) === 1 ? 'notice' : 'cancel',
        body: f.bytesUpTo('body', MAX_BODY_BYTES),
        sig: f.bytes('sig', 64),
      };
    }
    case 3:
      new Fields(value, what, ['v', 't']);
      return { t: 'ok' };
    case 4:
      return {
        t: 'refused',
        reason: new Fields(value, what, ['v', 't', 'reason']).text('reason', REASON_MAX),
      };
    default:
      throw new MalformedDataError(what, 'unknown message type');
  }
}

export function signRecoveryNotice(
  n: RecoveryNotice,
  custodianSeed: Uint8Array,
): { body: Uint8Array; sig: Uint8Array } {
  const body = encodeCanonical({
    v: 1,
    owner: n.owner,
    session: n.session,
    custodian: n.custodian,
    state: STATES.indexOf(n.state) + 1,
    until: n.until,
    path: PATHS.indexOf(n.path) + 1,
    at: n.at,
  });
  return { body, sig: signWithContext(SIGN_CONTEXTS.recoveryNotice, body, custodianSeed) };
}

/** Parses a notice body and checks the custodian's signature over it (under the key the body names). */
export function openRecoveryNotice(body: Uint8Array, sig: Uint8Array): RecoveryNotice {
  const what = 'Recovery notice';
  const f = new Fields(decodeCanonical(body, MAX_BODY_BYTES, what), what, [
    'v',
    'owner',
    'session',
    'custodian',
    'state',
    'until',
    'path',
    'at',
  ]);
  const v = f.uint('v', 255);
  if (v !== 1) throw new UnsupportedFormatError(what, v);
  const state = STATES[f.uint('state', STATES.length) - 1];
  const path = PATHS[f.uint('path', PATHS.length) - 1];
  if (!state || !path) throw new MalformedDataError(what, 'unknown state or path');
  const notice: RecoveryNotice = {
    owner: f.bytes('owner', 32),
    session: f.bytes('session', 32),
    custodian: f.bytes('custodian', 32),
    state,
    until: f.uint('until'),
    path,
    at: f.uint('at'),
  };
  if (!verifyWithContext(SIGN_CONTEXTS.recoveryNotice, body, sig, notice.custodian))
    throw new MalformedDataError(what, 'the signature does not verify');
  return notice;
}

export function signRecoveryCancel(
  c: RecoveryCancel,
  ownerSeed: Uint8Array,
): { body: Uint8Array; sig: Uint8Array } {
  const body = encodeCanonical({ v: 1, owner: c.owner, session: c.session, at: c.at });
  return { body, sig: signWithContext(SIGN_CONTEXTS.recoveryCancel, body, ownerSeed) };
}

/** Parses a cancel body and checks the owner's signature over it (under the key the body names). */
export function openRecoveryCancel(body: Uint8Array, sig: Uint8Array): RecoveryCancel {
  const what = 'Recovery cancel';
  const f = new Fields(decodeCanonical(body, MAX_BODY_BYTES, what), what, ['v', 'owner', 'session', 'at']);
  const v = f.uint('v', 255);
  if (v !== 1) throw new UnsupportedFormatError(what, v);
  const cancel = { owner: f.bytes('owner', 32), session: f.bytes('session', 32), at: f.uint('at') };
  if (!verifyWithContext(SIGN_CONTEXTS.recoveryCancel, body, sig, cancel.owner))
    throw new MalformedDataError(what, 'the signature does not verify');
  return cancel;
}

/** A signed notice or cancel as one blob (stored, and passed on to friends as it came). */
export function packSigned(s: { body: Uint8Array; sig: Uint8Array }): Uint8Array {
  return encodeCanonical({ body: s.body, sig: s.sig });
}

export function unpackSigned(bytes: Uint8Array): { body: Uint8Array; sig: Uint8Array } {
  const f = new Fields(
    decodeCanonical(bytes, MAX_WATCH_MESSAGE_BYTES, 'Signed statement'),
    'Signed statement',
    ['body', 'sig'],
  );
  return { body: f.bytesUpTo('body', MAX_BODY_BYTES), sig: f.bytes('sig', 64) };
}
