/**
 * Over 400 lines on purpose: the facade's start, judge, finish and cancel all move the one phase, so they stay in one
 * class; every decision it can hand off is elsewhere (session-state, -status, -admission, -endpoint, -opening).
 *
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
 *
 * The parts: session-state.ts (when a session may start; what a new judging does to what was opened),
 * session-status.ts (what the person sees), assess.ts (judging the pieces), session-admission.ts (who may say hello
 * or deliver, and the caps), session-endpoint.ts and session-protocol.ts (the conversation with a custodian),
 * session-listener.ts (the node), session-opening.ts (combining and opening), session-identity.ts (the code),
 * session-keys.ts (beginning a session, its secrets at rest).
 */
import type { IdentityKeys } from '../../../shared/crypto/identity.ts';
import { peerIdOf } from '../../../shared/crypto/identity.ts';
import { BadRequestError, ConflictError, NotFoundError } from '../../../shared/errors.ts';
import { decodeReplyCode } from '../../../shared/protocol/reply-code.ts';
import type { RecoveryStatus } from '../../../shared/api/ops/recovery.ts';
import type { Snapshot } from '../../../shared/formats/snapshot.ts';
import type { WithdrawReason } from '../../../shared/protocol/recovery.ts';
import type { EventBus } from '../event-bus.ts';
import type { VaultService } from '../vault/vault-service.ts';
import type { PublicIdentity } from '../vault/vault-repo.ts';
import { assess, openPieces } from './assess.ts';
import type { Assessment } from './assess.ts';
import { NoRecoverySessionError } from './errors.ts';
import { recoveryCodeOf, signPublicOf } from './session-identity.ts';
import { beginSession } from './session-keys.ts';
import { listenForCustodians } from './session-listener.ts';
import type { SessionNode } from './session-node.ts';
import { combineAndOpen } from './session-opening.ts';
import { sessionStatus } from './session-status.ts';
import { afterJudging, basisOf, keptVaultMismatch, startRefusal } from './session-state.ts';
import type { Phase, Prepared } from './session-state.ts';
import type { RecoverySessionStore, SessionRow } from './session-store.ts';
import { ReplyDialer } from './reply-dialer.ts';
import { MAX_SENDERS } from './session-admission.ts';
import { openPaper } from './session-paper.ts';
import type { RecoveryPaperStore } from './session-paper.ts';

// The caps and the code's lifetime live with the admission rules; re-exported for callers that read them here.
export { MAX_SENDER_BYTES, MAX_SENDERS, MAX_SESSION_BYTES, SESSION_TTL_MS } from './session-admission.ts';

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
  /** How often reply peers out of reach are dialed again (the mesh's retry interval, TESSERA_MESH_RETRY_MS). */
  retryMs: number;
  /** Paper pieces typed into the session (PROTOCOL §11.8); absent, none can be added. */
  paper?: RecoveryPaperStore;
  /** Restores the snapshot (one transaction that also drops the session); the session node is stopped first. */
  restore(recovered: Recovered): Promise<void>;
  now?: () => number;
  log?: (message: string) => void;
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
  /** Remote: dials the reply peers until their approval ended (PROTOCOL §11.7). */
  private dialer: ReplyDialer | null = null;

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
    const refused = startRefusal(
      this.deps.vault.state(),
      this.deps.store.session() !== null,
      input.forgot === true,
    );
    if (refused) throw refused;
    const { row, keys, created } = await beginSession(this.deps.store, input, this.now);
    // A session turned remote after its node started (LAN first) listens again, able to dial out.
    if (row.remote && this.node && !this.node.remote) {
      this.dialer?.stop();
      this.dialer = null;
      await this.node.stop();
      this.node = null;
    }
    if (!created) this.keys?.boxSecret.fill(0);
    this.keys = keys;
    this.passphrase = input.passphrase;
    if (this.phase === 'restored') this.phase = 'collecting';
    await this.ensureNode(row);
    this.evaluate();
    this.deps.events.changed('status', 'recovery');
    return { code: this.code(row), sessionPeerId: peerIdOf(signPublicOf(row)), expiresAt: row.expiresAt };
  }

  private async ensureNode(row: SessionRow): Promise<void> {
    if (this.node || this.closed) return;
    this.node = await listenForCustodians(row, {
      store: this.deps.store,
      listen: this.deps.listen,
      besideKeptVault: this.keptVault() !== null,
      mdns: this.deps.mdns,
      session: {
        restoring: () => this.phase === 'restoring' || this.phase === 'restored',
        pathOf: (peerId) => this.node?.connected(peerId) ?? null,
        heard: (peerId, name, kept) => this.heard(peerId, name, kept),
        withdrew: (peerId, name, why) => this.withdrew(peerId, name, why),
        waiting: (peerId, name, until) => this.waitingFor(peerId, name, until),
        stored: (peerId, chunks) => this.stored(peerId, chunks),
      },
      onOutdated: (peerId) => {
        this.outdated.add(peerId);
        this.log(`recovery: ${peerId} runs an older Tessera and was asked to update`);
        this.deps.events.changed('recovery');
      },
      now: this.now,
      log: (m) => this.log(m),
    });
    if (row.remote && this.node) {
      const node = this.node;
      this.dialer = new ReplyDialer({
        store: this.deps.store,
        node,
        retryMs: this.deps.retryMs,
        changed: () => this.deps.events.changed('recovery'),
        log: (m) => this.log(m),
      });
      this.dialer.start();
    }
  }

  /**
   * Remote recovery: a friend's reply code (PROTOCOL §11.7). Its custodian is dialed now and until its approval
   * ends; once connected, the custodian says hello and the codes appear.
   */
  async reply(input: { code: string }): Promise<RecoveryStatus> {
    this.requireActive();
    const reply = decodeReplyCode(input.code);
    const row = this.deps.store.session()!;
    if (reply.peerId === peerIdOf(signPublicOf(row)))
      throw new BadRequestError(
        'That is a code of this device. Enter the reply code your friend’s Tessera shows.',
      );
    if (!row.remote)
      throw new ConflictError(
        'This recovery is not a remote one. Start a remote recovery (the code for friends who are elsewhere) first.',
      );
    this.deps.store.putReplyPeer(
      { peerId: reply.peerId, addresses: reply.addresses, addedAt: this.now() },
      MAX_SENDERS,
    );
    this.log(`recovery: reply from ${reply.peerId} entered; dialing it`);
    this.dialer?.poke(reply.peerId);
    this.deps.events.changed('recovery');
    return this.status();
  }

  private code(row: SessionRow): string {
    return recoveryCodeOf(row, this.node?.addresses() ?? []);
  }

  /** A hello was recorded (`kept`) or refused by the store (rejected, or the senders table is full). */
  private heard(peerId: string, name: string, kept: boolean): void {
    if (!kept) {
      this.log(`recovery: hello from ${peerId} not kept (rejected, or too many unconfirmed senders)`);
      return;
    }
    this.log(`recovery: ${name} (${peerId}) connected`);
    // A new code for a sender undoes its confirmation: what was prepared from it is stale.
    this.evaluate();
    this.deps.events.changed('recovery');
  }

  /** A sender's person declined after comparing codes, or let the approval expire: show it, nothing will come. */
  private withdrew(peerId: string, name: string, why: WithdrawReason): void {
    this.log(`recovery: ${name} (${peerId}) withdrew (${why})`);
    this.deps.events.changed('recovery');
  }

  /** A sender approved a remote recovery: its piece comes at `until` unless someone stops it (PROTOCOL §11.7). */
  private waitingFor(peerId: string, name: string, until: number): void {
    this.log(`recovery: ${name} (${peerId}) approved; the piece comes at ${new Date(until).toISOString()}`);
    this.deps.events.changed('recovery');
  }

  /** A sender's piece and chunks were stored (replacing its earlier ones): judge again. */
  private stored(peerId: string, chunks: number): { have: number; need: number } {
    this.combineProblems.delete(peerId);
    this.log(`recovery: piece from ${peerId} stored with ${chunks} chunk(s)`);
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

  /** A paper piece's words (PROTOCOL §11.8): checked and kept; it counts once the person confirms it. */
  addPaper(words: string): RecoveryStatus {
    const keys = this.paperReady();
    const id = this.deps.paper!.add(words, keys.boxPublic, this.now());
    this.log(`recovery: paper piece ${id} added`);
    return this.reassessed();
  }

  /** The person says a paper piece is theirs (it counts) or not (it goes). */
  judgePaper(input: { id: string; match: boolean }): RecoveryStatus {
    this.paperReady();
    if (!this.deps.paper!.judge(input.id, input.match, this.now()))
      throw new NotFoundError('There is no such paper piece in this recovery.');
    this.combineProblems.delete(input.id);
    this.log(`recovery: paper piece ${input.id} ${input.match ? 'confirmed' : 'removed'}`);
    return this.reassessed();
  }

  private paperReady(): IdentityKeys {
    this.requireActive();
    if (this.phase === 'restoring' || this.phase === 'restored')
      throw new ConflictError('Your vault is being restored right now; wait a moment.');
    if (!this.keys || !this.deps.paper)
      throw new ConflictError('Enter your new passphrase first: paper pieces are kept under it.');
    return this.keys;
  }

  private reassessed(): RecoveryStatus {
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
    this.assessment = assess(
      openPieces(this.deps.store.pieces(), confirmed, this.keys),
      openPaper(this.deps.paper?.rows() ?? [], this.keys),
    );
    const a = this.assessment;
    const basis = basisOf(a);
    const step = afterJudging(a, {
      phase: this.phase,
      preparedBasis: this.prepared?.basis ?? null,
      opening: this.opening !== null,
    });
    if (step.drop) this.prepared = null;
    this.phase = step.phase;
    if (step.open) {
      this.opening = this.open(basis)
        .catch((err: unknown) => {
          this.lastError = err instanceof Error ? err.message : String(err);
          this.log(`recovery: could not open the backup: ${this.lastError}`);
        })
        .finally(() => {
          this.opening = null;
          if (this.phase === 'opening') this.phase = 'collecting';
          // A verdict or a piece that arrived while opening may have changed the split: check again.
          if (this.assessment && basisOf(this.assessment) !== basis) this.evaluate();
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
    const a = this.assessment;
    if (!this.keys || !a?.owner) return;
    // A forgotten passphrase recovers this device's own identity: pieces of anyone else never replace it.
    const kept = this.keptVault();
    const otherVault = keptVaultMismatch(kept, a.owner);
    if (otherVault) {
      this.lastError = otherVault;
      return;
    }
    this.phase = 'opening';
    const opened = await combineAndOpen(this.deps.store, { ...a, owner: a.owner });
    if (opened.problems) this.combineProblems = opened.problems;
    if (!opened.ok) {
      this.lastError = opened.error;
      return;
    }
    this.prepared = { ...opened.prepared, basis };
    this.lastError = undefined;
    this.phase = 'ready';
    this.log('recovery: the backup is open; waiting for the person to restore it');
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
      this.dialer?.stop();
      this.dialer = null;
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
    return sessionStatus({
      row,
      phase: this.phase,
      restoredStatus: this.restoredStatus,
      assessment: this.assessment,
      senders: row ? this.deps.store.senders() : [],
      piecesFrom: row ? this.deps.store.pieceSenders() : new Set<string>(),
      combineProblems: this.combineProblems,
      paths: this.paths(),
      replies: row ? this.deps.store.replyPeers().map((r) => r.peerId) : [],
      unlocked: this.keys !== null,
      outdated: this.outdated.size,
      lastError: this.lastError,
      prepared: this.prepared,
      kept: this.keptVault(),
      code: () => (row && this.node ? this.code(row) : null),
    });
  }

  /** How each sender and reply peer is connected to the session's node now. */
  private paths(): Map<string, 'direct' | 'relayed'> {
    const paths = new Map<string, 'direct' | 'relayed'>();
    const node = this.node;
    if (!node) return paths;
    const peers = [
      ...this.deps.store.senders().map((s) => s.peerId),
      ...this.deps.store.replyPeers().map((r) => r.peerId),
    ];
    for (const peerId of peers) {
      const path = node.connected(peerId);
      if (path) paths.set(peerId, path);
    }
    return paths;
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
    this.dialer?.stop();
    this.dialer = null;
    await this.node?.stop();
    this.node = null;
    this.keys?.boxSecret.fill(0);
    this.keys = null;
    this.passphrase = null;
    this.assessment = null;
    this.prepared = null;
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
    this.dialer?.stop();
    this.dialer = null;
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
