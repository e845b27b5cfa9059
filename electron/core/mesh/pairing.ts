/**
 * Both ends of the pairing protocol (see shared/protocol/pairing.ts for the messages). The dialer is whoever holds
 * both invites first and calls; the listener answers only peers whose invite it accepted itself (the gate admits
 * nobody else). Each side stores the friend only after verifying the other's signature over the transcript.
 */
import { equalBytes } from '../../../shared/crypto/bytes.ts';
import { RefusedError } from '../../../shared/errors.ts';
import {
  decodePairMessage,
  encodePairMessage,
  pairTranscript,
  signPairing,
  verifyPairing,
} from '../../../shared/protocol/pairing.ts';
import type { PairMessage } from '../../../shared/protocol/pairing.ts';
import { ProtocolError } from './rpc.ts';
import type { Conversation } from './rpc.ts';
import type { FriendRecord, FriendsStore, PendingPairing } from './friends-store.ts';

export interface PairingSelf {
  signSeed: Uint8Array;
  signPublic: Uint8Array;
}

/** The other side refused (it does not know the invite we named, or a signature failed). */
export class PairingRefusedError extends RefusedError {
  constructor(reason: string) {
    super(reason, { by: "Your friend's device", what: 'the pairing', code: 'VERIFICATION_FAILED' });
  }
}

async function receive(conv: Conversation): Promise<PairMessage> {
  const bytes = await conv.receive();
  try {
    return decodePairMessage(bytes);
  } catch (err) {
    throw new ProtocolError('The peer sent a malformed pairing message.', { cause: err });
  }
}

async function refuse(conv: Conversation, reason: string): Promise<void> {
  await conv.send(encodePairMessage({ t: 5, reason }));
}

function friendFrom(p: PendingPairing, ownInviteHash: Uint8Array, now: number): FriendRecord {
  return {
    peerId: p.peerId,
    name: p.name,
    signPublic: p.signPublic,
    boxPublic: p.boxPublic,
    boxSignature: p.boxSignature,
    addresses: p.addresses,
    ownInviteHash,
    theirInviteHash: p.inviteHash,
    addedAt: now,
    lastSeen: now,
  };
}

/** What we know of the remote side: a pending pairing, or an existing friend re-running the protocol. */
function counterpart(
  store: FriendsStore,
  peerId: string,
): { pending: PendingPairing; ownInvite: Uint8Array | null } | null {
  const pending = store.getPending(peerId);
  if (pending) return { pending, ownInvite: null };
  const friend = store.getFriend(peerId);
  if (!friend) return null;
  return {
    pending: {
      peerId: friend.peerId,
      name: friend.name,
      signPublic: friend.signPublic,
      boxPublic: friend.boxPublic,
      boxSignature: friend.boxSignature,
      addresses: friend.addresses,
      inviteHash: friend.theirInviteHash,
      acceptedAt: friend.addedAt,
      giveUpAt: Number.MAX_SAFE_INTEGER,
    },
    ownInvite: friend.ownInviteHash,
  };
}

/** An invite this device issued: the one an existing friendship was made with, or any it still remembers. */
function isOwnInvite(store: FriendsStore, pairedWith: Uint8Array | null, hash: Uint8Array): boolean {
  return (pairedWith !== null && equalBytes(pairedWith, hash)) || store.hasOwnInvite(hash);
}

/** Dialer side. Returns the stored friend; throws PairingRefusedError or a network error. */
export async function runPairingDialer(
  conv: Conversation,
  self: PairingSelf,
  store: FriendsStore,
  now: () => number,
): Promise<FriendRecord> {
  const known = counterpart(store, conv.remotePeer);
  if (!known) throw new PairingRefusedError('there is no pending invite for this peer.');
  const { pending } = known;
  await conv.send(encodePairMessage({ t: 1, li: pending.inviteHash }));
  const challenge = await receive(conv);
  if (challenge.t === 5) throw new PairingRefusedError(challenge.reason);
  if (challenge.t !== 2) throw new ProtocolError('Unexpected pairing message (expected a challenge).');
  const ownKnown = isOwnInvite(store, known.ownInvite, challenge.di);
  if (!ownKnown) {
    const expired = store.expiredOwnInvite(challenge.di);
    await refuse(conv, expired?.peerReason ?? 'that is not an invite of mine');
    throw expired ?? new PairingRefusedError('the peer named an invite this device never issued.');
  }
  const transcript = pairTranscript({
    dialerKey: self.signPublic,
    listenerKey: pending.signPublic,
    dialerInvite: challenge.di,
    listenerInvite: pending.inviteHash,
  });
  if (!verifyPairing(transcript, 'listener', challenge.sig, pending.signPublic)) {
    await refuse(conv, 'bad signature');
    throw new PairingRefusedError('the peer signature did not verify.');
  }
  await conv.send(encodePairMessage({ t: 3, sig: signPairing(transcript, 'dialer', self.signSeed) }));
  const done = await receive(conv);
  if (done.t === 5) throw new PairingRefusedError(done.reason);
  if (done.t !== 4) throw new ProtocolError('Unexpected pairing message (expected done).');
  const friend = friendFrom(pending, challenge.di, now());
  store.addFriend(friend);
  return friend;
}

/** Listener side. Returns the stored friend, or null when it refused the dialer. */
export async function runPairingListener(
  conv: Conversation,
  self: PairingSelf,
  store: FriendsStore,
  now: () => number,
): Promise<FriendRecord | null> {
  const known = counterpart(store, conv.remotePeer);
  const hello = await receive(conv);
  if (hello.t !== 1) throw new ProtocolError('Unexpected pairing message (expected hello).');
  if (!known) {
    await refuse(conv, 'I have not accepted your invite');
    return null;
  }
  const { pending } = known;
  const ownKnown = isOwnInvite(store, known.ownInvite, hello.li);
  if (!ownKnown) {
    const expired = store.expiredOwnInvite(hello.li);
    await refuse(conv, expired?.peerReason ?? 'that is not an invite of mine');
    if (!expired) return null;
    await conv.close(); // the refusal reaches the dialer before the error below aborts the stream
    throw expired;
  }
  const transcript = pairTranscript({
    dialerKey: pending.signPublic,
    listenerKey: self.signPublic,
    dialerInvite: pending.inviteHash,
    listenerInvite: hello.li,
  });
  await conv.send(
    encodePairMessage({
      t: 2,
      di: pending.inviteHash,
      sig: signPairing(transcript, 'listener', self.signSeed),
    }),
  );
  const confirm = await receive(conv);
  if (confirm.t === 5) return null;
  if (confirm.t !== 3) throw new ProtocolError('Unexpected pairing message (expected confirm).');
  if (!verifyPairing(transcript, 'dialer', confirm.sig, pending.signPublic)) {
    await refuse(conv, 'bad signature');
    return null;
  }
  const friend = friendFrom(pending, hello.li, now());
  store.addFriend(friend);
  await conv.send(encodePairMessage({ t: 4 }));
  return friend;
}
