/**
 * Real pieces for the recovery session's unit tests: an owner splits a fresh key (t of n), seals one signed envelope
 * per custodian (PROTOCOL §4.2), and each custodian re-seals its signed envelope to the session's box key as
 * `recovery.confirm` does (§11.3). Also a real SQLite session store in a temp dir, and a framed in-memory link.
 */
import type { TestContext } from 'node:test';
import { sealTo } from '../../../shared/crypto/box.ts';
import { generateIdentity, peerIdOf } from '../../../shared/crypto/identity.ts';
import type { IdentityKeys } from '../../../shared/crypto/identity.ts';
import { RECOVERY_SHARD_CONTEXT } from '../../../shared/protocol/recovery.ts';
import { createShardEnvelopes, openShardEnvelope } from '../../../shared/shards/envelope.ts';
import { splitKey } from '../../../shared/shards/split.ts';
import type { KeySplit } from '../../../shared/shards/split.ts';
import { FrameTooLargeError } from '../../../electron/core/mesh/rpc.ts';
import type { Conversation } from '../../../electron/core/mesh/rpc.ts';
import { RecoverySessionStore } from '../../../electron/core/recovery/session-store.ts';
import type { PieceRow } from '../../../electron/core/recovery/session-store.ts';
import { Store, databasePath } from '../../../electron/core/store/store.ts';
import { tempDir } from '../vault/helpers.ts';

export interface Owner {
  keys: IdentityKeys;
  split: KeySplit;
  custodians: IdentityKeys[];
  /** Each custodian's signed envelope (what it opened from what it holds). */
  signed: Uint8Array[];
}

/** An owner whose key is split t of n among n fresh custodians. */
export async function ownerWithSplit(t: number, n: number, created = 1_700_000_000_000): Promise<Owner> {
  const keys = generateIdentity();
  const custodians = Array.from({ length: n }, () => generateIdentity());
  const split = await splitKey(t, n);
  const sealed = createShardEnvelopes(split, keys, custodians, created);
  const signed = sealed.map((s, i) => openShardEnvelope(s, custodians[i]!, keys.signPublic).signed);
  return { keys, split, custodians, signed };
}

export const peerOf = (keys: Pick<IdentityKeys, 'signPublic'>): string => peerIdOf(keys.signPublic);

/** Custodian `i`'s piece as the session stores it: its signed envelope sealed to the session's box key. */
export function pieceFrom(
  owner: Owner,
  i: number,
  session: Pick<IdentityKeys, 'boxPublic'>,
  manifest: Uint8Array = new Uint8Array(0),
): PieceRow {
  return {
    sender: peerOf(owner.custodians[i]!),
    sealed: sealTo(session.boxPublic, owner.signed[i]!, RECOVERY_SHARD_CONTEXT),
    manifest,
    receivedAt: i,
  };
}

/** The new device's session store on a real SQLite file in a temp dir (closed after the test). */
export function sessionStore(t: TestContext): RecoverySessionStore {
  const store = Store.open(databasePath(tempDir(t, 'tessera-recovery-unit-')));
  t.after(() => store.close());
  return new RecoverySessionStore(store);
}

export interface LinkEnd extends Conversation {
  /** The largest limit a receive was called with, per call, in order. */
  readonly limits: (number | undefined)[];
}

/**
 * Two ends of one framed in-memory link (what one sends, the other receives, in order). Like the real framing
 * (mesh/rpc.ts), a receive with a limit refuses a frame longer than that before handing out any of its bytes: the
 * frame is dropped, and the receiver gets FrameTooLargeError. Frames handed out are counted in `read`.
 */
export function link(
  custodianPeer: string,
  sessionPeer = 'session',
): {
  custodian: LinkEnd;
  session: LinkEnd;
  /** Frames each end handed to its reader, by end. */
  read: { custodian: Uint8Array[]; session: Uint8Array[] };
} {
  const inboxes: Uint8Array[][] = [[], []];
  const waiting: ((m: Uint8Array | null) => void)[][] = [[], []];
  const closed = [false, false];
  const read = { custodian: [] as Uint8Array[], session: [] as Uint8Array[] };
  const deliver = (to: number, m: Uint8Array) => {
    const w = waiting[to]!.shift();
    if (w) w(m);
    else inboxes[to]!.push(m);
  };
  const end = (me: number, remotePeer: string): LinkEnd => {
    const limits: (number | undefined)[] = [];
    const take = (m: Uint8Array | null, max: number | undefined): Uint8Array => {
      if (m === null) throw new Error('the other end closed the conversation');
      if (max !== undefined && m.length > max) throw new FrameTooLargeError('recovery', max);
      (me === 0 ? read.custodian : read.session).push(m);
      return m;
    };
    return {
      remotePeer,
      signal: new AbortController().signal,
      limits,
      send: async (message) => deliver(1 - me, message),
      receive: (maxBytes) => {
        limits.push(maxBytes);
        const next = inboxes[me]!.shift();
        if (next) return Promise.resolve().then(() => take(next, maxBytes));
        if (closed[1 - me]) return Promise.reject(new Error('the other end closed the conversation'));
        return new Promise<Uint8Array | null>((resolve) => waiting[me]!.push(resolve)).then((m) =>
          take(m, maxBytes),
        );
      },
      close: async () => {
        closed[me] = true;
        for (const w of waiting[1 - me]!.splice(0)) w(null);
      },
      abort: () => {
        closed[me] = true;
        for (const w of waiting[1 - me]!.splice(0)) w(null);
      },
    };
  };
  return { custodian: end(0, sessionPeer), session: end(1, custodianPeer), read };
}
