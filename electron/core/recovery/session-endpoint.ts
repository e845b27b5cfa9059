/**
 * What the new device's half of the conversation (session-protocol.ts) asks of the session, answered from the
 * session's store (PROTOCOL §11.3): the code's possession proof and key, who may say hello or deliver
 * (session-admission.ts), which chunks are held already and the byte caps. Every hello is recorded with its code
 * (at most MAX_SENDERS senders), and every delivery is stored under its sender, its piece and chunks in one
 * transaction; the session is told after each (`heard`, `stored`) to judge the pieces again.
 */
import { possessionProof } from '../../../shared/protocol/recovery-code.ts';
import { MAX_STANDING_NAMES } from '../../../shared/protocol/recovery.ts';
import type { WithdrawReason } from '../../../shared/protocol/recovery.ts';
import { closedReason, deliveryRefusal, helloRefusal, MAX_SENDERS, roomFor } from './session-admission.ts';
import { signPublicOf } from './session-identity.ts';
import type { SessionEndpoint } from './session-protocol.ts';
import type { RecoverySessionStore, SessionRow } from './session-store.ts';

export interface EndpointDeps {
  store: RecoverySessionStore;
  /** The session whose code the custodians hold. */
  row: SessionRow;
  now: () => number;
  /** True once the restore has begun: nothing more is taken. */
  restoring(): boolean;
  /** How a peer is connected to the session's node now, if it is. */
  pathOf(peerId: string): 'direct' | 'relayed' | null;
  /** A hello was recorded with its code (`kept`), or not: the sender was rejected, or the senders table is full. */
  heard(peerId: string, name: string, kept: boolean): void;
  /** A sender that said hello and was not rejected withdrew: nothing will come from it. */
  withdrew(peerId: string, name: string, why: WithdrawReason): void;
  /** A sender approved a remote recovery: its piece comes at `until`. */
  waiting(peerId: string, name: string, until: number): void;
  /** A delivery of `chunks` chunks was stored; returns the progress to report back. */
  stored(peerId: string, chunks: number): { have: number; need: number };
}

/**
 * The senders whose approval stands (PROTOCOL §11.7 `standing`): approved and waiting, or delivered; not withdrawn,
 * stopped or rejected.
 */
export function standingNames(store: RecoverySessionStore): string[] {
  const delivered = store.pieceSenders();
  return store
    .senders()
    .filter(
      (s) => s.rejectedAt === null && s.ended === null && (s.releaseAt !== null || delivered.has(s.peerId)),
    )
    .map((s) => s.name)
    .slice(0, MAX_STANDING_NAMES);
}

export function sessionEndpoint(deps: EndpointDeps): SessionEndpoint {
  const { store, row } = deps;
  return {
    proof: () => possessionProof({ signPublic: signPublicOf(row), secret: row.secret }),
    sessionKey: () => signPublicOf(row),
    refuseReason: () => closedReason(deps.restoring()),
    helloRefusal: (peerId) => helloRefusal(store.sender(peerId)),
    onHello: (peerId, name, code) => {
      const kept = store.putSender({ peerId, name, sasCode: code, helloAt: deps.now() }, MAX_SENDERS);
      const path = deps.pathOf(peerId);
      if (kept && path) store.senderPath(peerId, path);
      deps.heard(peerId, name, kept);
      return kept;
    },
    // Recorded only for a sender that said hello and was not rejected (PROTOCOL §11.3, "Withdraw").
    onWithdraw: (peerId, why) => {
      const sender = store.sender(peerId);
      if (!sender || sender.rejectedAt !== null) return;
      // A piece already held stays (it counts if confirmed); the ending is what the screen shows otherwise.
      store.endSender(peerId, why);
      deps.withdrew(peerId, sender.name, why);
    },
    onWaiting: (peerId, until) => {
      const sender = store.sender(peerId);
      const refused = deliveryRefusal(sender);
      if (refused || !sender) return { refused: refused ?? 'say hello first' };
      store.senderWaiting(peerId, until);
      const path = deps.pathOf(peerId);
      if (path) store.senderPath(peerId, path);
      deps.waiting(peerId, sender.name, until);
      return { names: standingNames(store) };
    },
    deliveryRefusal: (peerId) => deliveryRefusal(store.sender(peerId)),
    hasChunk: (digest) => store.hasChunk(digest),
    roomFor: (peerId, bytes) =>
      roomFor({ sender: store.chunkBytes(peerId), session: store.chunkBytes() }, bytes),
    onDelivery: async (peerId, d) => {
      store.commitDelivery(
        { sender: peerId, sealed: d.shard, manifest: d.manifest, receivedAt: deps.now() },
        d.chunks,
      );
      return deps.stored(peerId, d.chunks.length);
    },
  };
}
