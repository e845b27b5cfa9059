/**
 * Store and forward through mutual friends (/tessera/forward/1.0.0, docs/PROTOCOL.md §10.4).
 *
 * As a carrier: accept a friend's parcel for another friend (signature checked, within quotas and at most
 * MAX_PARCEL_TTL_MS), deliver it when the recipient connects, and carry the recipient's signed answer (a receipt)
 * back to the author the same way. As an author: hand a parcel to a connected friend when its recipient is out of
 * reach. As a recipient: open a parcel sealed to us, let the registered handler verify and commit it, and answer.
 */
import { RefusedError } from '../../../../shared/errors.ts';
import { randomBytes } from 'node:crypto';
import type { Database } from 'better-sqlite3';
import { peerIdOf } from '../../../../shared/crypto/identity.ts';
import type { IdentityKeys } from '../../../../shared/crypto/identity.ts';
import { equalBytes } from '../../../../shared/crypto/bytes.ts';
import {
  decodeForwardMessage,
  encodeForwardMessage,
  MAX_PARCEL_TTL_MS,
  openParcel,
  PARCEL_ID_BYTES,
  readParcel,
  sealParcel,
} from '../../../../shared/protocol/forward.ts';
import type { ForwardMessage, ParcelKind } from '../../../../shared/protocol/forward.ts';
import type { FriendsStore } from '../friends-store.ts';
import type { Conversation } from '../rpc.ts';
import { ForwardStore } from './forward-store.ts';

export interface ForwardMesh {
  readonly friends: FriendsStore;
  identityKeys(): IdentityKeys | null;
  open(peerId: string, protocol: 'forward'): Promise<Conversation>;
  handle(protocol: 'forward', handler: (conv: Conversation) => Promise<void>): void;
  onPeerConnected(listener: (peerId: string) => void): () => void;
  /** A connection (direct or relayed) to this friend is open. */
  isConnected(peerId: string): boolean;
  /** Peer IDs of the friends with an open connection (cheap: from the open connections, not the friend list). */
  connectedFriends(): string[];
  setViaFriend(check: (peerId: string) => boolean): void;
  /** How often the mesh re-dials friends out of reach (TESSERA_MESH_RETRY_MS): parcels are retried as often. */
  readonly retryMs: number;
}

/** Verifies and commits an opened parcel from `author`; returns the answer payload for the author, if any. */
export type ParcelHandler = (author: string, payload: Uint8Array) => Promise<Uint8Array | null>;

/** How long an author's parcel may wait at a carrier. */
export const HANDOFF_TTL_MS = 7 * 24 * 60 * 60_000;

export class ForwardService {
  readonly store: ForwardStore;
  private readonly mesh: ForwardMesh;
  private readonly now: () => number;
  private readonly log: (m: string) => void;
  private readonly handlers = new Map<ParcelKind, ParcelHandler>();
  private readonly delivering = new Set<string>();
  private readonly timer: NodeJS.Timeout;
  private readonly off: () => void;

  constructor(
    db: Database,
    mesh: ForwardMesh,
    options: { now?: () => number; log?: (m: string) => void } = {},
  ) {
    this.store = new ForwardStore(db);
    this.mesh = mesh;
    this.now = options.now ?? Date.now;
    this.log = options.log ?? (() => {});
    mesh.handle('forward', (conv) => this.serve(conv));
    this.off = mesh.onPeerConnected((peerId) => void this.deliverTo(peerId));
    mesh.setViaFriend((peerId) => this.viaFriend(peerId));
    this.timer = setInterval(() => void this.tick(), Math.max(mesh.retryMs, 500));
    this.timer.unref();
  }

  onParcel(kind: ParcelKind, handler: ParcelHandler): void {
    this.handlers.set(kind, handler);
  }

  close(): void {
    clearInterval(this.timer);
    this.off();
  }

  /** Something for `peerId` is with a carrier (or its answer came back that way), and we are not connected. */
  viaFriend(peerId: string): boolean {
    return this.store.hasLive(peerId, this.now());
  }

  private async tick(): Promise<void> {
    this.store.prune(this.now());
    for (const recipient of this.store.recipients(this.now()))
      if (this.mesh.isConnected(recipient)) await this.deliverTo(recipient);
  }

  // ---- author -----------------------------------------------------------------------------------------------------

  /**
   * Hands a parcel for `recipient` to the first connected friend who takes it; returns that carrier's peer ID, or
   * null when no connected friend would carry it (they must be friends of the recipient too).
   */
  async handOff(
    recipient: string,
    kind: ParcelKind,
    payload: Uint8Array,
    meta: { version: number; manifestHash: Uint8Array },
  ): Promise<string | null> {
    const keys = this.mesh.identityKeys();
    const friend = this.mesh.friends.getFriend(recipient);
    if (!keys || !friend) return null;
    const now = this.now();
    const id = new Uint8Array(randomBytes(PARCEL_ID_BYTES));
    const expires = now + HANDOFF_TTL_MS;
    const parcel = sealParcel(
      { id, kind, from: keys.signPublic, to: friend.signPublic, created: now, expires },
      payload,
      friend.boxPublic,
      keys.signSeed,
    );
    const carriers = this.mesh.connectedFriends().filter((peerId) => peerId !== recipient);
    for (const carrier of carriers) {
      try {
        const answer = await this.exchange(carrier, { t: 'put', parcel });
        if (answer.t !== 'ok') throw new RefusedError(answer.t === 'refused' ? answer.reason : answer.t);
        this.store.recordHandOff({
          id,
          recipient,
          carrier,
          version: meta.version,
          manifestHash: meta.manifestHash,
          handedAt: now,
          expiresAt: expires,
        });
        this.log(`forward: handed a ${parcel.length}-byte ${kind} parcel for ${recipient} to ${carrier}`);
        return carrier;
      } catch (err) {
        this.log(`forward: ${carrier} would not carry for ${recipient}: ${String(err)}`);
      }
    }
    return null;
  }

  private async exchange(peerId: string, msg: ForwardMessage): Promise<ForwardMessage> {
    const conv = await this.mesh.open(peerId, 'forward');
    try {
      await conv.send(encodeForwardMessage(msg));
      return decodeForwardMessage(await conv.receive());
    } finally {
      await conv.close();
    }
  }

  // ---- carrier ----------------------------------------------------------------------------------------------------

  /** Delivers what we carry for `recipient` (it just connected, or the timer found it online). */
  async deliverTo(recipient: string): Promise<void> {
    if (this.delivering.has(recipient)) return;
    const parcels = this.store.parcelsFor(recipient, this.now());
    if (parcels.length === 0) return;
    this.delivering.add(recipient);
    try {
      for (const p of parcels) {
        let answer: ForwardMessage;
        try {
          answer = await this.exchange(recipient, { t: 'deliver', parcel: p.parcel });
        } catch (err) {
          this.log(`forward: delivering to ${recipient} failed, keeping the parcel: ${String(err)}`);
          return;
        }
        this.store.drop(p.id);
        if (answer.t === 'refused') {
          this.log(`forward: ${recipient} refused a parcel from ${p.author}: ${answer.reason}`);
          continue;
        }
        if (answer.t !== 'accepted') continue;
        this.log(`forward: delivered a ${p.kind} parcel from ${p.author} to ${recipient}`);
        if (answer.reply) {
          const result = this.accept(answer.reply, recipient, p.author);
          if ('refused' in result) this.log(`forward: not carrying ${recipient}'s answer: ${result.refused}`);
          else if (this.mesh.isConnected(p.author)) void this.deliverTo(p.author);
        }
      }
    } finally {
      this.delivering.delete(recipient);
    }
  }

  /**
   * Checks and stores a parcel written by `author` for `recipient`: the recipient's peer ID once stored, or the
   * reason it was refused.
   */
  private accept(
    bytes: Uint8Array,
    author: string,
    recipient?: string,
  ): { stored: string } | { refused: string } {
    const why = (refused: string) => ({ refused });
    const keys = this.mesh.identityKeys();
    if (!keys) return why('This node has not been unlocked since it started.');
    const parcel = readParcel(bytes);
    const to = peerIdOf(parcel.to);
    if (peerIdOf(parcel.from) !== author)
      return why('A parcel must be signed by the friend who hands it over.');
    if (recipient !== undefined && to !== recipient) return why('The answer is not for the parcel’s author.');
    if (equalBytes(parcel.to, keys.signPublic)) return why('That parcel is for me: send it directly.');
    if (!this.mesh.friends.getFriend(to)) return why('I am not friends with the recipient.');
    const now = this.now();
    if (parcel.expires <= now || parcel.expires > now + MAX_PARCEL_TTL_MS)
      return why('The parcel’s expiry is out of range.');
    const refused = this.store.carry(
      {
        id: parcel.id,
        author,
        recipient: to,
        kind: parcel.kind,
        size: bytes.length,
        expiresAt: parcel.expires,
        parcel: bytes,
      },
      now,
    );
    return refused ? why(refused) : { stored: to };
  }

  // ---- serving ------------------------------------------------------------------------------------------------------

  private async serve(conv: Conversation): Promise<void> {
    const msg = decodeForwardMessage(await conv.receive());
    let answer: ForwardMessage;
    try {
      if (msg.t === 'put') {
        const result = this.accept(msg.parcel, conv.remotePeer);
        if ('refused' in result) answer = { t: 'refused', reason: result.refused };
        else {
          answer = { t: 'ok' };
          if (this.mesh.isConnected(result.stored)) void this.deliverTo(result.stored);
        }
      } else if (msg.t === 'deliver') {
        answer = { t: 'accepted', reply: await this.receive(msg.parcel) };
      } else throw new RefusedError(`unexpected "${msg.t}"`);
    } catch (err) {
      answer = { t: 'refused', reason: (err instanceof Error ? err.message : String(err)).slice(0, 300) };
    }
    await conv.send(encodeForwardMessage(answer));
  }

  /** A parcel for us: verify, open, hand to its handler; seal the handler's answer back to the author. */
  private async receive(bytes: Uint8Array): Promise<Uint8Array | null> {
    const keys = this.mesh.identityKeys();
    if (!keys) throw new RefusedError('This node has not been unlocked since it started.');
    const parcel = readParcel(bytes);
    if (!equalBytes(parcel.to, keys.signPublic)) throw new RefusedError('That parcel is not for me.');
    const author = peerIdOf(parcel.from);
    const friend = this.mesh.friends.getFriend(author);
    if (!friend) throw new RefusedError('The parcel’s author is not my friend.');
    if (parcel.expires <= this.now()) throw new RefusedError('The parcel has expired.');
    const handler = this.handlers.get(parcel.kind);
    if (!handler) throw new RefusedError(`I do not take ${parcel.kind} parcels.`);
    const reply = await handler(author, openParcel(parcel, keys.boxSecret, keys.boxPublic));
    if (!reply) return null;
    const now = this.now();
    return sealParcel(
      {
        id: new Uint8Array(randomBytes(PARCEL_ID_BYTES)),
        kind: 'receipt',
        from: keys.signPublic,
        to: friend.signPublic,
        created: now,
        expires: Math.min(parcel.expires, now + HANDOFF_TTL_MS),
      },
      reply,
      friend.boxPublic,
      keys.signSeed,
    );
  }
}
