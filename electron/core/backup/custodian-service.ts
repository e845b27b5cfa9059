import { verifyManifest } from '../../../shared/formats/manifest.ts';
import { chunkMatchesManifest, encodeSignedManifest } from '../../../shared/formats/manifest.ts';
import type { BackupManifest, ChunkRef } from '../../../shared/formats/manifest.ts';
import { manifestFromDelta } from '../../../shared/formats/manifest-delta.ts';
import { openShardEnvelope } from '../../../shared/shards/envelope.ts';
import { equalBytes, toHex } from '../../../shared/crypto/bytes.ts';
import { signPublicFromPeerId } from '../../../shared/crypto/identity.ts';
import {
  deletionPayload,
  encodeBackupMessage,
  encodeNeed,
  expectBackupMessage,
} from '../../../shared/protocol/backup.ts';
import { SIGN_CONTEXTS, verifyWithContext } from '../../../shared/crypto/sign.ts';
import type { BackupMessage } from '../../../shared/protocol/backup.ts';
import { signReceipt } from '../../../shared/protocol/receipts.ts';
import { ExpiredError, RefusedError, TesseraError } from '../../../shared/errors.ts';
import { UnsupportedFormatError } from '../../../shared/crypto/errors.ts';
import { OLDER_RELEASE_REFUSAL } from '../../../shared/needs-update.ts';
import type { HeldBackup, PendingRequest } from '../../../shared/api/ops/backup.ts';
import type { Conversation } from '../mesh/rpc.ts';
import type { CustodianStore } from './custodian-store.ts';
import type { DepositChunks } from './deposit-chunks.ts';
import { depositBudgetOfMib } from './deposit-budget.ts';
import type { DepositBudget } from './deposit-budget.ts';
import { CustodianConsent } from './custodian-consent.ts';
import { answerChallenge } from './custodian-proofs.ts';
import type { ProofDeps } from './custodian-proofs.ts';
import { nativeBackupCrypto, nativeEd25519, nativeSha256 } from '../crypto-native/native-backup-crypto.ts';
import type { BackupContext } from './backup-context.ts';

/** A deposit or update that passed the checks of §9.2, with the chunks it still needs. */
export interface VerifiedOffer {
  from: string;
  split: Uint8Array;
  /** The envelope to store: the one offered, or the one already held for this split. */
  sealed: Uint8Array;
  manifestBytes: Uint8Array;
  manifest: BackupManifest;
  /** Every chunk the manifest lists, by hex id. */
  listed: ReadonlyMap<string, ChunkRef>;
  /** The chunks we do not hold yet (the same map as `listed` when we hold none). */
  wanted: ReadonlyMap<string, ChunkRef>;
}

const ZERO32 = new Uint8Array(32);

const mib = (bytes: number) => `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;

/**
 * The custodian's side: consent to hold for a friend (custodian-consent.ts), store their shard and newest backup
 * version (acknowledged with a signed receipt only after COMMIT), delete on request, and prove holding on a health
 * check (custodian-proofs.ts).
 */
export class CustodianBackupService {
  private readonly ctx: BackupContext;
  private readonly store: CustodianStore;
  private readonly consent: CustodianConsent;
  private readonly proofDeps: ProofDeps;
  /** Chunk bytes of deposits in progress (received, not yet committed). */
  private readonly budget: DepositBudget;
  /** Called when a held shard arrives or is dropped: the custodian's own backup must carry it. */
  onHeldShardsChanged: () => void = () => {};

  constructor(ctx: BackupContext) {
    this.ctx = ctx;
    this.store = ctx.custodianStore;
    this.budget = depositBudgetOfMib(ctx.config.depositBudgetMib);
    this.consent = new CustodianConsent(ctx, (peerId) => this.name(peerId));
    this.proofDeps = { ctx, store: this.store, name: (peerId) => this.name(peerId) };
  }

  private name(peerId: string): string {
    return this.ctx.friends.nameOf(peerId) ?? 'A former friend';
  }

  private requireFriend(peerId: string): void {
    if (!this.ctx.friends.getFriend(peerId)) throw new RefusedError('We are not friends.');
  }

  private requireKeys() {
    const keys = this.ctx.keys();
    if (!keys)
      throw new RefusedError('This custodian has not been unlocked since it started; try again later.');
    return keys;
  }

  /** Serves one conversation that a friend opened on the backup protocol (the first message is already read). */
  async serve(conv: Conversation, first: BackupMessage): Promise<void> {
    const from = conv.remotePeer;
    const reply = (msg: BackupMessage) => conv.send(encodeBackupMessage(msg));
    try {
      this.requireFriend(from);
      switch (first.t) {
        case 'hold-request':
          return await reply(this.consent.onHoldRequest(from, first));
        case 'offer':
          return await this.onOffer(conv, from, first);
        case 'offer-delta':
          return await this.onOffer(conv, from, this.expandDelta(from, first));
        case 'delete':
          return await reply(this.onDelete(from, first));
        case 'challenge':
          return await reply(answerChallenge(this.proofDeps, from, first));
        default:
          throw new RefusedError(`Unexpected first message "${first.t}".`);
      }
    } catch (err) {
      if (!(err instanceof TesseraError)) throw err;
      // A format this release does not read was written by a newer release (PROTOCOL §13.1: the previous release
      // writes nothing this one cannot read), which reads the refusal's code: say structurally that this device
      // needs to update. Any other refusal goes without it, so that an older owner can read it.
      await reply(
        err instanceof UnsupportedFormatError
          ? { t: 'refused', reason: err.message.slice(0, 300), code: OLDER_RELEASE_REFUSAL }
          : { t: 'refused', reason: err.message.slice(0, 300) },
      );
    }
  }

  private async onOffer(
    conv: Conversation,
    from: string,
    offer: Extract<BackupMessage, { t: 'offer' }>,
  ): Promise<void> {
    const verified = this.verifyOffer(from, offer);
    let wantedBytes = 0;
    for (const ref of verified.wanted.values()) wantedBytes += ref.length;
    // Ask for the chunks only when there is room to hold them until the commit (other friends may be depositing).
    if (this.budget.wouldWait(wantedBytes))
      this.ctx.log(
        `backup: ${this.name(from)}'s backup waits for room (${mib(wantedBytes)} to receive, ${mib(this.budget.used)} in progress)`,
      );
    const release = await this.budget.reserve(wantedBytes);
    const deposit = this.store.newDeposit();
    try {
      await conv.send(encodeNeed([...verified.wanted.keys()]));
      for (;;) {
        const msg = expectBackupMessage(await conv.receive(), 'chunk', 'chunks', 'done');
        if (msg.t === 'refused') return;
        if (msg.t === 'done') break;
        this.acceptChunks(verified, deposit, msg.t === 'chunks' ? msg.items : [msg]);
      }
      await deposit.persist();
      const receipt = this.commitOffer(verified, deposit);
      await conv.send(encodeBackupMessage({ t: 'receipt', receipt }));
    } finally {
      deposit.discard(); // a deposit that did not commit leaves no file (after the commit this does nothing)
      release();
    }
  }

  /**
   * The checks of a deposit or update (§9.2), whether it arrives in a conversation or in a parcel carried by a
   * mutual friend: consent given, manifest signed by the owner, the envelope addressed to us for this split (or the
   * one we hold), no version older than ours. Says which chunks are still needed. Throws RefusedError.
   */
  verifyOffer(
    from: string,
    offer: { split: Uint8Array; sealed: Uint8Array | null; manifest: Uint8Array },
  ): VerifiedOffer {
    const keys = this.requireKeys();
    const ownerKey = signPublicFromPeerId(from);
    const consent = this.store.request(from);
    if (consent?.state !== 'accepted')
      throw new RefusedError('I have not agreed to keep a piece of your key.');
    const manifest = verifyManifest(offer.manifest, ownerKey, nativeEd25519);
    const held = this.store.held(from);
    let sealed: Uint8Array;
    if (offer.sealed) {
      const opened = openShardEnvelope(offer.sealed, keys, ownerKey);
      if (!equalBytes(opened.envelope.splitId, offer.split))
        throw new RefusedError('The shard belongs to another split.');
      sealed = offer.sealed;
    } else {
      if (!held || !equalBytes(held.splitId, offer.split)) {
        throw new RefusedError('I do not hold your piece of this split; send it again.');
      }
      sealed = held.sealedEnvelope;
    }
    if (held && equalBytes(held.splitId, offer.split) && manifest.version < held.version) {
      throw new RefusedError(`I already hold a newer version (${held.version}) than ${manifest.version}.`);
    }
    const sameSplit = held !== null && equalBytes(held.splitId, offer.split);
    // One query for the ids we hold (not one per manifest entry), and a set for the membership tests.
    const have = sameSplit ? this.store.chunkIds(from) : new Set<string>();
    const listed = new Map(manifest.chunks.map((c) => [c.id, c]));
    return {
      from,
      split: offer.split,
      sealed,
      manifestBytes: offer.manifest,
      manifest,
      listed,
      // Unique, in manifest order (PROTOCOL §9.2: all of them for a new split).
      wanted: have.size === 0 ? listed : new Map([...listed].filter(([id]) => !have.has(id))),
    };
  }

  /**
   * Checks arriving chunks against the manifest (length and digest, no key needed) and keeps those still needed in
   * `deposit`. A chunk the manifest does not list, one that does not match, or one sent twice is refused.
   */
  acceptChunks(
    verified: VerifiedOffer,
    deposit: DepositChunks,
    chunks: readonly { id: Uint8Array; data: Uint8Array }[],
  ): void {
    const keep: { id: string; data: Uint8Array }[] = [];
    const seen = new Set<string>();
    for (const { id: rawId, data } of chunks) {
      const id = toHex(rawId);
      const ref = verified.listed.get(id);
      if (!ref) throw new RefusedError('A chunk the manifest does not list.');
      if (!verified.wanted.has(id)) continue;
      if (deposit.has(id) || seen.has(id)) throw new RefusedError('A chunk I did not ask for.');
      seen.add(id);
      if (!chunkMatchesManifest(ref, data, nativeBackupCrypto))
        throw new RefusedError('A chunk does not match the manifest.');
      keep.push({ id, data });
    }
    deposit.add(keep);
  }

  /**
   * Stores the verified offer and the chunks that arrived in one transaction, and only after COMMIT signs the
   * holding receipt (returned). A new shard also makes our own backup carry it.
   */
  commitOffer(verified: VerifiedOffer, deposit: DepositChunks): Uint8Array {
    const keys = this.requireKeys();
    const missing = [...verified.wanted.keys()].filter((id) => !deposit.has(id)).length;
    if (missing > 0) throw new RefusedError(`Missing ${missing} chunk(s).`);
    const now = this.ctx.now();
    const { shardChanged } = this.store.commitHolding(
      {
        ownerPeerId: verified.from,
        splitId: verified.split,
        sealedEnvelope: verified.sealed,
        manifest: verified.manifestBytes,
        version: verified.manifest.version,
      },
      deposit,
      new Set(verified.listed.keys()),
      now,
    );
    // Committed: only now do we sign for it.
    const receipt = signReceipt(
      {
        kind: 'holding',
        owner: signPublicFromPeerId(verified.from),
        custodian: keys.signPublic,
        split: verified.split,
        version: verified.manifest.version,
        manifest: nativeSha256(verified.manifestBytes),
        at: now,
      },
      keys.signSeed,
    );
    this.ctx.events.changed('held');
    if (shardChanged) this.onHeldShardsChanged();
    return receipt;
  }

  /**
   * An update sent as edits to the manifest we hold: rebuild the new signed manifest from it (canonical CBOR makes
   * the bytes the owner's) and handle it exactly as a whole offer, which verifies the signature.
   */
  private expandDelta(
    from: string,
    msg: Extract<BackupMessage, { t: 'offer-delta' }>,
  ): Extract<BackupMessage, { t: 'offer' }> {
    const held = this.store.held(from);
    if (!held || !equalBytes(held.splitId, msg.split) || !equalBytes(nativeSha256(held.manifest), msg.base))
      throw new RefusedError('I do not hold the manifest this update is based on; send it whole.');
    const base = verifyManifest(held.manifest, signPublicFromPeerId(from), nativeEd25519);
    const next = manifestFromDelta(base, msg.edits, msg.version, msg.size);
    return { t: 'offer', split: msg.split, sealed: null, manifest: encodeSignedManifest(next, msg.sig) };
  }

  private onDelete(from: string, msg: Extract<BackupMessage, { t: 'delete' }>): BackupMessage {
    const keys = this.requireKeys();
    const now = this.ctx.now();
    if (msg.expires < now) throw new ExpiredError('This deletion request has expired.');
    if (msg.sig) {
      const payload = deletionPayload({ ...msg, ended: msg.ended === true }, keys.signPublic);
      if (!verifyWithContext(SIGN_CONTEXTS.deletion, payload, msg.sig, signPublicFromPeerId(from)))
        throw new RefusedError('The deletion request is not signed by you.');
    }
    if (!this.store.spendNonce(msg.nonce, msg.expires, now))
      throw new RefusedError('This request was already used (replay).');
    // The owner removed us as a friend: nothing of theirs stays here, not even the consent to hold for them.
    const dropped = msg.ended ? this.forgetEnded(from, msg.split) : this.store.dropHolding(from, msg.split);
    const receipt = signReceipt(
      {
        kind: 'deletion',
        owner: signPublicFromPeerId(from),
        custodian: keys.signPublic,
        split: msg.split,
        version: 0,
        manifest: ZERO32,
        at: now,
      },
      keys.signSeed,
    );
    if (dropped) {
      this.ctx.events.changed('held');
      this.onHeldShardsChanged();
    }
    return { t: 'receipt', receipt };
  }

  /** An `ended` deletion (PROTOCOL §9.2): drop the piece of that split and the consent; tell the person once. */
  private forgetEnded(from: string, split: Uint8Array): boolean {
    const held = this.store.held(from);
    if (held && !equalBytes(held.splitId, split)) return this.store.dropHolding(from, split); // another split's piece
    const hadConsent = this.store.request(from) !== null;
    const dropped = this.store.forgetOwner(from);
    if (!dropped && !hadConsent) return false; // told already (one request per split they asked us to delete)
    const name = this.name(from);
    this.ctx.events.emit({
      type: 'notice',
      title: `${name} removed you as a friend`,
      body: dropped
        ? `${name} removed you as a friend; the piece you kept for ${name} was deleted.`
        : `${name} removed you as a friend; you were not keeping a piece for ${name}.`,
    });
    this.ctx.log(`backup: ${name} removed us as a friend; deleted what we held for them`);
    this.ctx.events.changed('held', 'requests');
    return dropped;
  }

  /**
   * This person removed `ownerPeerId` as a friend: what we keep for them is deleted here (they are told what that
   * means before, PROTOCOL §9.2 "Deletion"). Returns whether a piece was held.
   */
  forgetOwner(ownerPeerId: string): boolean {
    const dropped = this.store.forgetOwner(ownerPeerId);
    this.ctx.events.changed('held', 'requests');
    if (dropped) this.onHeldShardsChanged();
    return dropped;
  }

  heldBackups(): HeldBackup[] {
    return this.store.heldSummaries().map((h) => ({
      ownerPeerId: h.ownerPeerId,
      owner: this.name(h.ownerPeerId),
      version: h.version,
      since: h.since,
      updatedAt: h.updatedAt,
    }));
  }

  countHeld(): number {
    return this.store.countHeld();
  }

  // ---- consent (custodian-consent.ts) ------------------------------------------------------------------------

  pendingRequests(): PendingRequest[] {
    return this.consent.pendingRequests();
  }

  answer(ownerPeerId: string, accepted: boolean): void {
    this.consent.answer(ownerPeerId, accepted);
  }

  peerConnected(peerId: string): void {
    this.consent.peerConnected(peerId);
  }

  kick(): void {
    this.consent.kick();
  }

  close(): void {
    this.consent.close();
  }
}
