/**
 * What the new device's half of the conversation (session-protocol.ts) asks of the session, answered from the
 * session's store (PROTOCOL §11.3): the code's possession proof and key, who may say hello or deliver
 * (session-admission.ts), which chunks are held already and the byte caps. Every hello is recorded with its code
 * (at most MAX_SENDERS senders), and every delivery is stored under its sender, its piece and chunks in one
 * transaction; the session is told after each (`heard`, `stored`) to judge the pieces again.
 */
import { possessionProof } from '../../../shared/protocol/recovery-code.ts';
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
  /** The sender withdrew after its hello (declined, or its approval expired) and has not said hello again. */
  withdrawn(peerId: string): boolean;
  /** A hello was recorded with its code (`kept`), or not: the sender was rejected, or the senders table is full. */
  heard(peerId: string, name: string, kept: boolean): void;
  /** A sender that said hello and was not rejected withdrew: nothing will come from it. */
  withdrew(peerId: string, name: string, why: WithdrawReason): void;
  /** A delivery of `chunks` chunks was stored; returns the progress to report back. */
  stored(peerId: string, chunks: number): { have: number; need: number };
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
      deps.heard(peerId, name, kept);
      return kept;
    },
    // Recorded only for a sender that said hello and was not rejected (PROTOCOL §11.3, "Withdraw").
    onWithdraw: (peerId, why) => {
      const sender = store.sender(peerId);
      if (sender && sender.rejectedAt === null) deps.withdrew(peerId, sender.name, why);
    },
    deliveryRefusal: (peerId) => deliveryRefusal(store.sender(peerId), deps.withdrawn(peerId)),
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
