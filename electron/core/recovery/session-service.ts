/**
 * The new device's recovery session (PROTOCOL §11): an ephemeral identity listening on the LAN with a code to show,
 * collecting custodians' pieces and backup chunks durably and per sender (a restart loses nothing). A piece counts
 * only once the person at the new device has confirmed its sender's code (the same six digits the custodian's
 * screen shows); confirmed pieces must all name one owner. At the threshold the session combines them and opens the
 * newest backup (`ready`), shows whose vault it is, and writes it only when the person says so (`finish`). Then the
 * session ends, the mesh starts with the restored identity, and a re-share under a new key begins.
 *
 * A device whose passphrase was forgotten (PROTOCOL §11.6) runs the same session beside its locked vault, which is
 * kept aside untouched: only pieces of that same identity can be restored, `finish` replaces the vault in the one
 * restore transaction, and `cancel` leaves it exactly as it was.
 */
import { concatBytes, equalBytes } from '../../../shared/crypto/bytes.ts';
import type { IdentityKeys } from '../../../shared/crypto/identity.ts';
import { fingerprintOf, peerIdOf, signPublicFromPeerId } from '../../../shared/crypto/identity.ts';
import { randomBytes } from 'node:crypto';
import { ed25519 } from '@noble/curves/ed25519.js';
import { SIGN_CONTEXTS, signWithContext } from '../../../shared/crypto/sign.ts';
import { NotEnoughShardsError } from '../../../shared/crypto/errors.ts';
import { ConflictError, NotFoundError, TesseraError, VaultExistsError } from '../../../shared/errors.ts';
import type {
  RecoveryCustodian,
  RecoveryStatus,
  RecoveryVaultSummary,
} from '../../../shared/api/ops/recovery.ts';
import { openBackup } from '../../../shared/formats/backup.ts';
import { MAX_MANIFEST_CHUNKS, verifyManifest } from '../../../shared/formats/manifest.ts';
import { CHUNK_OVERHEAD } from '../../../shared/formats/chunk-crypto.ts';
import { MAX_PADDED_BYTES } from '../../../shared/formats/padding.ts';
import type { Snapshot } from '../../../shared/formats/snapshot.ts';
import {
  encodeRecoveryCode,
  possessionProof,
  RECOVERY_SECRET_BYTES,
} from '../../../shared/protocol/recovery-code.ts';
import { combineShards } from '../../../shared/shards/combine.ts';
import type { EventBus } from '../event-bus.ts';
import type { VaultService } from '../vault/vault-service.ts';
import type { PublicIdentity } from '../vault/vault-repo.ts';
import { assess, openPieces, progressMessage } from './assess.ts';
import type { Assessment } from './assess.ts';
import { NoRecoverySessionError } from './errors.ts';
import { nativeBackupCrypto } from '../crypto-native/native-backup-crypto.ts';
import { createSessionKeys, openSessionKeys } from './session-keys.ts';
import { startSessionNode } from './session-node.ts';
import type { SessionNode } from './session-node.ts';
import { serveRecoveryConversation } from './session-protocol.ts';
import type { ReceivedDelivery } from './session-protocol.ts';
import type { WithdrawReason } from '../../../shared/protocol/recovery.ts';
import type { RecoverySessionStore, SessionRow } from './session-store.ts';

/** How long a code (and the session's open window) lasts; renewed by every `recovery.start`. */
export const SESSION_TTL_MS = 24 * 60 * 60_000;
/** Peers that said hello a session keeps (the oldest silent, unconfirmed one makes room for a new one). */
export const MAX_SENDERS = 32;
/** The most chunk bytes one sender can bring: one whole backup at the largest size a manifest can list. */
export const MAX_SENDER_BYTES = MAX_PADDED_BYTES + MAX_MANIFEST_CHUNKS * CHUNK_OVERHEAD;
/** The most chunk bytes a session stores in all: two whole backups (PROTOCOL §11.3, caps). */
export const MAX_SESSION_BYTES = 2 * MAX_SENDER_BYTES;

export interface Recovered {
  snapshot: Snapshot;
  passphrase: string;
  name: string | null;
  /** Custodians whose piece was used or consistent (peer IDs). */
  delivered: string[];
  /** The peer ID of the vault kept aside on this device (forgotten passphrase), which the restore replaces. */
  replacing: string | null;
  /** Senders whose code the person confirmed (peer IDs): verified friends after the restore. */
  confirmed: string[];
  threshold: number;
}

export interface SessionDeps {
  store: RecoverySessionStore;
  vault: VaultService;
  events: EventBus;
  listen: string[] | null;
  mdns: boolean;
  /** Restores the snapshot (one transaction that also drops the session); the session node is stopped first. */
  restore(recovered: Recovered): Promise<void>;
  now?: () => number;
  log?: (message: string) => void;
}

type Phase = 'collecting' | 'opening' | 'ready' | 'restoring' | 'restored';

/** A backup combined and opened from confirmed pieces, waiting for the person's last word. */
interface Prepared {
  snapshot: Snapshot;
  owner: Uint8Array;
  delivered: string[];
  threshold: number;
  /** The senders whose pieces it came from, to notice when the evidence changes. */
  basis: string;
}

export class RecoverySessionService {
  private readonly deps: SessionDeps;
  private readonly now: () => number;
  private node: SessionNode | null = null;
  private keys: IdentityKeys | null = null;
  private passphrase: string | null = null;
  private phase: Phase = 'collecting';
  /** What the session looked like when it completed (who helped, t of n), kept to report the result. */
  private restoredStatus: RecoveryStatus | null = null;
  private combineProblems = new Map<string, string>();
  private lastError: string | undefined;
  private assessment: Assessment | null = null;
  private prepared: Prepared | null = null;
  private opening: Promise<void> | null = null;
  private finishing: Promise<void> | null = null;
  private closed = false;
  /** Peers on the previous release that tried to help (told to update); shown so the person can ask them. */
  private readonly outdated = new Set<string>();
  /**
   * Senders whose person declined after the hello, or whose approval expired (PROTOCOL §11.3, "Withdraw"), until
   * they say hello again. Kept in memory: after a restart such a sender shows as connected again.
   */
  private readonly withdrawn = new Map<string, WithdrawReason>();

  constructor(deps: SessionDeps) {
    this.deps = deps;
    this.now = deps.now ?? Date.now;
  }

  private log(message: string): void {
    this.deps.log?.(message);
  }

  /** True while a session exists in this data dir (the app state is then `recovering`). */
  active(): boolean {
    return this.phase !== 'restored' && this.deps.store.session() !== null;
  }

  /**
   * The vault kept aside while this session runs: a data dir that had a vault when the session started (the
   * passphrase was forgotten, PROTOCOL §11.6). Null on a new device.
   */
  keptVault(): PublicIdentity | null {
    if (this.phase === 'restored' || !this.deps.store.session()) return null;
    return this.deps.vault.state() === 'empty' ? null : this.deps.vault.publicIdentity();
  }

  /** At start-up: a session survived a restart; listen again with its identity (the passphrase comes later). */
  async resume(): Promise<void> {
    const row = this.deps.store.session();
    if (!row || this.deps.vault.state() === 'unlocked') return;
    await this.ensureNode(row);
    this.log('recovery: session resumed; waiting for the passphrase to open the pieces');
  }

  async start(input: {
    passphrase: string;
    name?: string;
    forgot?: boolean;
  }): Promise<{ code: string; sessionPeerId: string; expiresAt: number }> {
    let row = this.deps.store.session();
    const vaultState = this.deps.vault.state();
    if (vaultState === 'unlocked')
      throw new VaultExistsError(
        'Your vault is open on this device, so there is nothing to recover. To choose a new passphrase, use Settings.',
      );
    // A locked vault is kept aside only when the person said they forgot its passphrase (PROTOCOL §11.6).
    if (vaultState === 'locked' && !row && input.forgot !== true)
      throw new VaultExistsError(
        'A vault already exists here. If you forgot its passphrase, recover it with your friends ("Forgot your passphrase?" when unlocking, or `tessera recover start --forgot`): the vault is kept aside until they have restored it.',
      );
    if (!row) {
      const created = await createSessionKeys(input.passphrase);
      const now = this.now();
      this.deps.store.insertSession({
        signSeed: created.keys.signSeed,
        boxPublic: created.keys.boxPublic,
        boxSealed: created.boxSealed,
        keyWrap: created.keyWrap,
        secret: new Uint8Array(randomBytes(RECOVERY_SECRET_BYTES)),
        name: input.name ?? null,
        port: null,
        expiresAt: now + SESSION_TTL_MS,
        createdAt: now,
      });
      this.keys = created.keys;
      row = this.deps.store.session()!;
    } else {
      const keys = await openSessionKeys(row.signSeed, row.boxSealed, row.keyWrap, input.passphrase);
      this.keys?.boxSecret.fill(0);
      this.keys = keys;
      this.deps.store.updateSession({
        expiresAt: this.now() + SESSION_TTL_MS,
        ...(input.name ? { name: input.name } : {}),
      });
      row = this.deps.store.session()!;
    }
    this.passphrase = input.passphrase;
    if (this.phase === 'restored') this.phase = 'collecting';
    await this.ensureNode(row);
    this.evaluate();
    this.deps.events.changed('status', 'recovery');
    return { code: this.code(row), sessionPeerId: peerIdOf(signPublicOf(row)), expiresAt: row.expiresAt };
  }

  private async ensureNode(row: SessionRow): Promise<void> {
    if (this.node || this.closed) return;
    const store = this.deps.store;
    this.node = await startSessionNode({
      keys: { ...sessionSignKeys(row), boxSecret: new Uint8Array(32), boxSignature: new Uint8Array(64) },
      // Beside a kept vault the mesh may hold the configured ports (it keeps serving friends while locked): the
      // session listens on the same addresses with ports of its own.
      listen:
        this.keptVault() && this.deps.listen
          ? this.deps.listen.map((a) => a.replace(/\/tcp\/\d+(?=\/|$)/, '/tcp/0'))
          : this.deps.listen,
      port: row.port,
      openUntil: () => store.session()?.expiresAt ?? 0,
      mdns: this.deps.mdns,
      handler: (conv) =>
        serveRecoveryConversation(conv, {
          proof: () => possessionProof({ signPublic: signPublicOf(row), secret: row.secret }),
          sessionKey: () => signPublicOf(row),
          refuseReason: () =>
            this.phase === 'restoring' || this.phase === 'restored'
              ? 'this recovery is already complete, thank you'
              : null,
          helloRefusal: (peerId) => {
            const s = store.sender(peerId);
            if (s && s.rejectedAt !== null)
              return 'the person at the new device said your code did not match';
            return null;
          },
          onHello: (peerId, name, code) => this.onHello(peerId, name, code),
          onWithdraw: (peerId, why) => this.onWithdraw(peerId, why),
          deliveryRefusal: (peerId) => {
            const s = store.sender(peerId);
            if (!s) return 'say hello first: compare the codes before sending your piece';
            if (s.rejectedAt !== null) return 'the person at the new device said your code did not match';
            if (this.withdrawn.has(peerId))
              return 'you withdrew after comparing codes: approve again to make a new code';
            return null;
          },
          hasChunk: (digest) => store.hasChunk(digest),
          roomFor: (peerId, bytes) => {
            if (store.chunkBytes(peerId) + bytes > MAX_SENDER_BYTES)
              return 'you sent more than one backup can hold';
            if (store.chunkBytes() + bytes > MAX_SESSION_BYTES)
              return 'this recovery has no room left: the person at the new device should reject the pieces they do not recognise';
            return null;
          },
          onDelivery: (peerId, d) => this.onDelivery(peerId, d),
        }),
      onOutdated: (peerId) => {
        this.outdated.add(peerId);
        this.log(`recovery: ${peerId} runs an older Tessera and was asked to update`);
        this.deps.events.changed('recovery');
      },
      now: this.now,
      log: (m) => this.log(m),
    });
    const port = this.node.port();
    if (port !== row.port) this.deps.store.updateSession({ port });
    this.log(
      `recovery: session ${this.node.node.peerId.toString()} listening on ${this.node.addresses().join(', ')}`,
    );
  }

  private code(row: SessionRow): string {
    const signPublic = signPublicOf(row);
    const boxSignature = signWithContext(
      SIGN_CONTEXTS.boxKey,
      concatBytes(signPublic, row.boxPublic),
      row.signSeed,
    );
    return encodeRecoveryCode({
      signPublic,
      boxPublic: row.boxPublic,
      boxSignature,
      addresses: (this.node?.addresses() ?? []).slice(0, 8),
      expiresAt: row.expiresAt,
      secret: row.secret,
    });
  }

  private onHello(peerId: string, name: string, code: string): boolean {
    const ok = this.deps.store.putSender({ peerId, name, sasCode: code, helloAt: this.now() }, MAX_SENDERS);
    if (!ok) {
      this.log(`recovery: hello from ${peerId} not kept (rejected, or too many unconfirmed senders)`);
      return false;
    }
    this.withdrawn.delete(peerId);
    this.log(`recovery: ${name} (${peerId}) connected`);
    // A new code for a sender undoes its confirmation: what was prepared from it is stale.
    this.evaluate();
    this.deps.events.changed('recovery');
    return true;
  }

  /** A sender's person declined after comparing codes, or let the approval expire: show it, nothing will come. */
  private onWithdraw(peerId: string, why: WithdrawReason): void {
    const sender = this.deps.store.sender(peerId);
    if (!sender || sender.rejectedAt !== null) return;
    this.withdrawn.set(peerId, why);
    this.log(`recovery: ${sender.name} (${peerId}) withdrew (${why})`);
    this.deps.events.changed('recovery');
  }

  private async onDelivery(peerId: string, d: ReceivedDelivery): Promise<{ have: number; need: number }> {
    this.deps.store.commitDelivery(
      { sender: peerId, sealed: d.shard, manifest: d.manifest, receivedAt: this.now() },
      d.chunks,
    );
    this.combineProblems.delete(peerId);
    this.log(`recovery: piece from ${peerId} stored with ${d.chunks.length} chunk(s)`);
    const a = this.evaluate();
    this.deps.events.changed('recovery');
    return { have: a?.have ?? 0, need: a?.need ?? 0 };
  }

  /** The person compared a sender's code with the one on that friend's screen. */
  judge(input: { peerId: string; match: boolean }): RecoveryStatus {
    this.requireActive();
    if (this.phase === 'restoring' || this.phase === 'restored')
      throw new ConflictError('Your vault is being restored right now; wait a moment.');
    const sender = this.deps.store.sender(input.peerId);
    if (!sender) throw new NotFoundError('No one with that ID has connected to this recovery.');
    this.deps.store.judgeSender(input.peerId, input.match ? 'confirmed' : 'rejected', this.now());
    this.log(`recovery: ${sender.name} (${input.peerId}) ${input.match ? 'confirmed' : 'rejected'}`);
    this.evaluate();
    this.deps.events.changed('recovery');
    return this.status();
  }

  /** Re-assesses the pieces (needs the passphrase) and opens the backup once confirmed pieces suffice. */
  private evaluate(): Assessment | null {
    if (!this.keys) return null;
    const confirmed = new Set(
      this.deps.store
        .senders()
        .filter((s) => s.confirmedAt !== null)
        .map((s) => s.peerId),
    );
    this.assessment = assess(openPieces(this.deps.store.pieces(), confirmed, this.keys));
    const a = this.assessment;
    const basis = a.split.join(',');
    if (this.prepared && (this.prepared.basis !== basis || a.conflict)) {
      this.prepared = null;
      if (this.phase === 'ready') this.phase = 'collecting';
    }
    if (
      !a.conflict &&
      a.need > 0 &&
      a.have >= a.need &&
      this.phase === 'collecting' &&
      !this.opening &&
      !this.prepared
    ) {
      this.opening = this.open(basis)
        .catch((err: unknown) => {
          this.lastError = err instanceof Error ? err.message : String(err);
          this.log(`recovery: could not open the backup: ${this.lastError}`);
        })
        .finally(() => {
          this.opening = null;
          if (this.phase === 'opening') this.phase = 'collecting';
          // A verdict or a piece that arrived while opening may have changed the split: check again.
          if (this.assessment && this.assessment.split.join(',') !== basis) this.evaluate();
          this.deps.events.changed('recovery', 'status');
        });
    }
    return a;
  }

  /** Waits for an opening or a restore in progress (tests, shutdown). */
  async settled(): Promise<void> {
    await this.opening;
    await this.finishing;
  }

  /** Combines the confirmed pieces of the chosen split and opens the newest backup, in memory only. */
  private async open(basis: string): Promise<void> {
    const keys = this.keys;
    const a = this.assessment;
    if (!keys || !a?.owner) return;
    // A forgotten passphrase recovers this device's own identity: pieces of anyone else never replace it.
    const kept = this.keptVault();
    if (kept && !equalBytes(kept.signPublic, a.owner)) {
      this.lastError = `The pieces you confirmed are for another vault (fingerprint ${fingerprintOf(a.owner)}), not ${kept.name}'s vault on this device (${kept.fingerprint}). Nothing will be restored: reject the pieces of anyone who is not your friend, or stop the recovery to keep this vault.`;
      return;
    }
    this.phase = 'opening';
    const inSplit = new Set(a.split);
    const pieces = a.pieces.filter((p) => p.signed !== null && p.confirmed && inSplit.has(p.row.sender));
    let combined;
    try {
      combined = await combineShards(
        pieces.map((p) => ({
          from: p.row.sender,
          signed: p.signed!,
          senderSignPublic: signPublicFromPeerId(p.row.sender),
        })),
        { owner: a.owner },
      );
    } catch (err) {
      if (
        err instanceof NotEnoughShardsError ||
        (err instanceof TesseraError && err.code === 'VERIFICATION_FAILED')
      ) {
        this.lastError = err.message;
        return;
      }
      throw err;
    }
    this.combineProblems = new Map(
      combined.problems.filter((p) => combined.badCustodians.includes(p.from)).map((p) => [p.from, p.reason]),
    );
    const confirmed = new Set(a.pieces.filter((p) => p.confirmed).map((p) => p.row.sender));
    const snapshot = await this.openNewestBackup(combined.key, combined.owner, confirmed);
    combined.key.fill(0);
    if (!snapshot) return;
    if (!equalBytes(snapshot.identity.signPublic, combined.owner)) {
      this.lastError =
        'The backup these pieces open belongs to someone else than the pieces say. Nothing was restored; ask your friends to approve again.';
      return;
    }
    this.prepared = {
      snapshot,
      owner: combined.owner,
      delivered: combined.goodCustodians,
      threshold: combined.threshold,
      basis,
    };
    this.lastError = undefined;
    this.phase = 'ready';
    this.log('recovery: the backup is open; waiting for the person to restore it');
  }

  /**
   * The newest manifest, from a confirmed sender, that verifies under the owner, whose chunks all arrived (each
   * checked against its digest) and that opens under K.
   */
  private async openNewestBackup(
    key: Uint8Array,
    owner: Uint8Array,
    confirmed: ReadonlySet<string>,
  ): Promise<Snapshot | null> {
    const store = this.deps.store;
    const names = new Map(store.senders().map((s) => [s.peerId, s.name]));
    const candidates = store
      .pieces()
      .filter((r) => confirmed.has(r.sender) && r.manifest.length > 0)
      .flatMap((r) => {
        try {
          return [{ row: r, manifest: verifyManifest(r.manifest, owner) }];
        } catch {
          return [];
        }
      })
      .sort((x, y) => y.manifest.version - x.manifest.version);
    const failures: string[] = [];
    for (const c of candidates) {
      const digests = new Map(c.manifest.chunks.map((ref) => [ref.id, ref.digest]));
      try {
        return await openBackup(
          c.row.manifest,
          (id) => {
            const d = digests.get(id);
            return d ? store.chunk(d) : undefined;
          },
          key,
          owner,
          nativeBackupCrypto,
        );
      } catch (err) {
        failures.push(
          `${names.get(c.row.sender) ?? c.row.sender}'s copy (version ${c.manifest.version}): ${err instanceof Error ? err.message : String(err)}`,
        );
      }
    }
    this.lastError =
      candidates.length === 0
        ? 'The pieces are complete, but no friend you confirmed has sent the backup itself yet: ask another friend to approve.'
        : `The backup could not be opened from any copy received (${failures.join('; ')}). Ask another friend to approve.`;
    return null;
  }

  /** The person saw whose vault it is and said "restore": write it. */
  async finish(): Promise<RecoveryStatus> {
    this.requireActive();
    if (this.finishing) {
      await this.finishing;
      return this.status();
    }
    const prepared = this.prepared;
    const passphrase = this.passphrase;
    if (this.phase !== 'ready' || !prepared || !passphrase)
      throw new ConflictError(
        'There is nothing to restore yet: confirm the codes of enough friends first (recovery status says how many).',
      );
    this.finishing = this.write(prepared, passphrase).finally(() => {
      this.finishing = null;
    });
    await this.finishing;
    return this.status();
  }

  private async write(prepared: Prepared, passphrase: string): Promise<void> {
    this.phase = 'restoring';
    this.deps.events.changed('recovery', 'status');
    try {
      const finalStatus = this.status();
      delete finalStatus.keptVault;
      const replacing = this.keptVault()?.peerId ?? null;
      const confirmed = this.deps.store
        .senders()
        .filter((s) => s.confirmedAt !== null)
        .map((s) => s.peerId);
      await this.node?.stop();
      this.node = null;
      try {
        await this.deps.restore({
          snapshot: prepared.snapshot,
          passphrase,
          name: this.deps.store.session()?.name ?? null,
          delivered: prepared.delivered,
          replacing,
          confirmed,
          threshold: prepared.threshold,
        });
      } catch (err) {
        this.lastError = err instanceof Error ? err.message : String(err);
        const row = this.deps.store.session();
        if (row) await this.ensureNode(row);
        throw err;
      }
      this.phase = 'restored';
      this.restoredStatus = {
        ...finalStatus,
        state: 'restored',
        code: null,
        expiresAt: null,
        message: 'Your vault is restored.',
      };
      this.prepared = null;
      this.lastError = undefined;
      if (this.keys) {
        this.keys.signSeed.fill(0);
        this.keys.boxSecret.fill(0);
      }
      this.keys = null;
      this.passphrase = null;
      this.log('recovery: vault restored');
    } finally {
      if (this.phase === 'restoring') this.phase = this.prepared ? 'ready' : 'collecting';
      this.deps.events.changed('recovery', 'status', 'items', 'friends', 'held');
    }
  }

  status(): RecoveryStatus {
    const row = this.deps.store.session();
    if (!row && this.phase !== 'restored') {
      return {
        state: 'none',
        have: 0,
        need: 0,
        custodians: [],
        code: null,
        expiresAt: null,
        vault: null,
        message: 'No recovery in progress.',
      };
    }
    if (this.phase === 'restored' && this.restoredStatus) return this.restoredStatus;
    if (this.phase === 'restored' || !row) {
      return {
        state: 'restored',
        have: 0,
        need: 0,
        custodians: [],
        code: null,
        expiresAt: null,
        vault: null,
        message: 'Your vault is restored.',
      };
    }
    const a = this.assessment;
    const byPeer = new Map((a?.pieces ?? []).map((p) => [p.row.sender, p]));
    const pieces = new Map(this.deps.store.pieces().map((p) => [p.sender, p]));
    const custodians: RecoveryCustodian[] = [];
    for (const s of this.deps.store.senders()) {
      const piece = byPeer.get(s.peerId);
      const problem = this.combineProblems.get(s.peerId) ?? piece?.problem ?? undefined;
      const rejected = s.rejectedAt !== null;
      const withdrawn = this.withdrawn.get(s.peerId);
      const state: RecoveryCustodian['state'] = rejected
        ? 'rejected'
        : !pieces.has(s.peerId)
          ? (withdrawn ?? 'connected')
          : problem
            ? 'bad'
            : !this.keys
              ? 'received'
              : 'verified';
      custodians.push({
        name: s.name,
        peerId: s.peerId,
        comparisonCode: s.sasCode,
        state,
        confirmed: s.confirmedAt !== null,
        ...(problem && !rejected ? { problem: `${s.name}'s piece did not verify: ${problem}` } : {}),
      });
    }
    const have = a?.have ?? 0;
    const need = a?.need ?? 0;
    const waiting = custodians.filter((c) => !c.confirmed && c.state === 'verified').length;
    const state: RecoveryStatus['state'] =
      this.phase === 'restoring'
        ? 'restoring'
        : !this.keys
          ? 'needs-passphrase'
          : a?.conflict
            ? 'conflict'
            : this.phase === 'ready'
              ? 'ready'
              : 'collecting';
    const bad = custodians.filter((c) => c.state === 'bad' && c.confirmed).map((c) => c.problem!);
    if (this.outdated.size > 0)
      bad.push(
        `${this.outdated.size === 1 ? 'A friend' : `${this.outdated.size} friends`} tried to help with an older Tessera and ${this.outdated.size === 1 ? 'was' : 'were'} asked to update it and approve again.`,
      );
    const error = this.lastError ?? (bad.length > 0 ? bad.join(' ') : undefined);
    const names = new Map(custodians.map((c) => [c.peerId, c.name]));
    const kept = this.keptVault();
    const message =
      state === 'needs-passphrase'
        ? `${pieces.size} piece(s) received. Enter your new passphrase to continue the recovery.`
        : state === 'conflict'
          ? `The pieces you confirmed belong to ${a!.conflict!.owners.length} different people (${a!
              .conflict!.owners.map((o) => o.senders.map((p) => names.get(p) ?? p).join(' and '))
              .join('; ')}). Nothing will be restored: reject the pieces of anyone who is not your friend.`
          : state === 'ready'
            ? 'Check whose vault this is, then restore it.'
            : progressMessage(have, need, waiting);
    return {
      state,
      have,
      need,
      custodians,
      code: this.node ? this.code(row) : null,
      expiresAt: row.expiresAt,
      vault: this.phase === 'ready' && this.prepared ? summarize(this.prepared) : null,
      message,
      ...(error ? { error } : {}),
      ...(kept ? { keptVault: { name: kept.name, peerId: kept.peerId, fingerprint: kept.fingerprint } } : {}),
    };
  }

  /**
   * Gives up the session: the listener stops and the session key, code and every collected piece are deleted, so
   * the data dir is empty again (create a vault, or start a new recovery), or, when a vault was kept aside, that
   * vault is back as it was (locked; its passphrase opens it). Refused while a restore is under way.
   */
  async cancel(): Promise<void> {
    if (this.phase === 'restoring' || this.finishing) {
      throw new ConflictError('Your vault is being restored right now; wait a moment.');
    }
    this.requireActive();
    const kept = this.keptVault();
    await this.opening?.catch(() => {});
    await this.node?.stop();
    this.node = null;
    this.keys?.boxSecret.fill(0);
    this.keys = null;
    this.passphrase = null;
    this.assessment = null;
    this.prepared = null;
    this.withdrawn.clear();
    this.deps.store.deleteAll();
    this.phase = 'collecting';
    this.log(
      `recovery: session cancelled; its pieces were deleted${kept ? ', and the vault kept aside is back' : ''}`,
    );
    this.deps.events.changed('status', 'recovery');
  }

  requireActive(): void {
    if (!this.deps.store.session()) throw new NoRecoverySessionError();
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.opening?.catch(() => {});
    await this.finishing?.catch(() => {});
    await this.node?.stop();
    this.node = null;
    this.keys?.boxSecret.fill(0);
    this.keys = null;
    this.passphrase = null;
    this.prepared = null;
  }
}

function summarize(p: Prepared): RecoveryVaultSummary {
  return {
    name: p.snapshot.displayName,
    peerId: peerIdOf(p.owner),
    fingerprint: fingerprintOf(p.owner),
    friends: p.snapshot.contacts.map((c) => c.name),
    items: p.snapshot.items.length,
  };
}

function signPublicOf(row: SessionRow): Uint8Array {
  return ed25519.getPublicKey(row.signSeed);
}

function sessionSignKeys(row: SessionRow): {
  signSeed: Uint8Array;
  signPublic: Uint8Array;
  boxPublic: Uint8Array;
} {
  return { signSeed: row.signSeed, signPublic: signPublicOf(row), boxPublic: row.boxPublic };
}
