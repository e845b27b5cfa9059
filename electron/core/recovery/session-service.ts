/**
 * The new device's recovery session (issue 5): an ephemeral identity listening on the LAN with a code to show,
 * collecting custodians' pieces and backup chunks durably (a restart loses nothing), and at the threshold
 * combining, verifying, opening the newest backup and restoring it into a fresh vault. Then the session ends, the
 * mesh starts with the restored identity, and a re-share under a new key begins.
 */
import { concatBytes } from '../../../shared/crypto/bytes.ts';
import type { IdentityKeys } from '../../../shared/crypto/identity.ts';
import { peerIdOf, signPublicFromPeerId } from '../../../shared/crypto/identity.ts';
import { randomBytes } from 'node:crypto';
import { ed25519 } from '@noble/curves/ed25519.js';
import { SIGN_CONTEXTS, signWithContext } from '../../../shared/crypto/sign.ts';
import { NotEnoughShardsError } from '../../../shared/crypto/errors.ts';
import { ConflictError, TesseraError, VaultExistsError } from '../../../shared/errors.ts';
import type { RecoveryCustodian, RecoveryStatus } from '../../../shared/api/ops/recovery.ts';
import { openBackup } from '../../../shared/formats/backup.ts';
import { verifyManifest } from '../../../shared/formats/manifest.ts';
import type { Snapshot } from '../../../shared/formats/snapshot.ts';
import {
  encodeRecoveryCode,
  possessionProof,
  RECOVERY_SECRET_BYTES,
} from '../../../shared/protocol/recovery-code.ts';
import { recoveryComparisonCode } from '../../../shared/protocol/recovery.ts';
import { combineShards } from '../../../shared/shards/combine.ts';
import type { EventBus } from '../event-bus.ts';
import type { VaultService } from '../vault/vault-service.ts';
import { assess, openPieces, progressMessage } from './assess.ts';
import type { Assessment } from './assess.ts';
import { NoRecoverySessionError } from './errors.ts';
import { nativeBackupCrypto } from '../crypto-native/native-backup-crypto.ts';
import { createSessionKeys, openSessionKeys } from './session-keys.ts';
import { startSessionNode } from './session-node.ts';
import type { SessionNode } from './session-node.ts';
import { serveRecoveryConversation } from './session-protocol.ts';
import type { ReceivedDelivery } from './session-protocol.ts';
import type { RecoverySessionStore } from './session-store.ts';
import type { SessionRow } from './session-store.ts';

/** How long a code (and the session's open window) lasts; renewed by every `recovery.start`. */
export const SESSION_TTL_MS = 24 * 60 * 60_000;

export interface Recovered {
  snapshot: Snapshot;
  passphrase: string;
  name: string | null;
  /** Custodians whose piece was used or consistent (peer IDs). */
  delivered: string[];
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

interface Hello {
  name: string;
  at: number;
}

type Phase = 'collecting' | 'restoring' | 'restored';

export class RecoverySessionService {
  private readonly deps: SessionDeps;
  private readonly now: () => number;
  private node: SessionNode | null = null;
  private keys: IdentityKeys | null = null;
  private passphrase: string | null = null;
  private phase: Phase = 'collecting';
  /** What the session looked like when it completed (who helped, t of n), kept to report the result. */
  private restoredStatus: RecoveryStatus | null = null;
  private readonly hellos = new Map<string, Hello>();
  private combineProblems = new Map<string, string>();
  private lastError: string | undefined;
  private assessment: Assessment | null = null;
  private finishing: Promise<void> | null = null;
  private closed = false;

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

  /** At start-up: a session survived a restart; listen again with its identity (the passphrase comes later). */
  async resume(): Promise<void> {
    const row = this.deps.store.session();
    if (!row || this.deps.vault.state() !== 'empty') return;
    await this.ensureNode(row);
    this.log('recovery: session resumed; waiting for the passphrase to open the pieces');
  }

  async start(input: {
    passphrase: string;
    name?: string;
  }): Promise<{ code: string; sessionPeerId: string; expiresAt: number }> {
    if (this.deps.vault.state() !== 'empty')
      throw new VaultExistsError('A vault already exists here; recovery needs an empty data directory.');
    let row = this.deps.store.session();
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
    this.node = await startSessionNode({
      keys: { ...sessionSignKeys(row), boxSecret: new Uint8Array(32), boxSignature: new Uint8Array(64) },
      listen: this.deps.listen,
      port: row.port,
      openUntil: () => this.deps.store.session()?.expiresAt ?? 0,
      mdns: this.deps.mdns,
      handler: (conv) =>
        serveRecoveryConversation(conv, {
          proof: () => possessionProof({ signPublic: signPublicOf(row), secret: row.secret }),
          refuseReason: () =>
            this.phase === 'collecting' ? null : 'this recovery is already complete, thank you',
          onHello: (peerId, name) => this.onHello(peerId, name),
          chunkIds: () => this.deps.store.chunkIds(),
          onDelivery: (peerId, d) => this.onDelivery(peerId, d),
        }),
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

  private onHello(peerId: string, name: string): void {
    this.hellos.set(peerId, { name, at: this.now() });
    this.log(`recovery: ${name} (${peerId}) connected`);
    this.deps.events.changed('recovery');
  }

  private async onDelivery(peerId: string, d: ReceivedDelivery): Promise<{ have: number; need: number }> {
    this.deps.store.commitDelivery(
      {
        custodianPeerId: peerId,
        name: d.name,
        sealed: d.shard,
        manifest: d.manifest,
        receivedAt: this.now(),
      },
      d.chunks,
    );
    this.combineProblems.delete(peerId);
    this.log(`recovery: piece from ${d.name} (${peerId}) stored with ${d.chunks.size} chunk(s)`);
    const a = this.evaluate();
    this.deps.events.changed('recovery');
    return { have: a?.have ?? 0, need: a?.need ?? 0 };
  }

  /** Re-assesses the pieces (needs the passphrase) and starts the restore once there are enough. */
  private evaluate(): Assessment | null {
    if (!this.keys) return null;
    this.assessment = assess(openPieces(this.deps.store.shards(), this.keys));
    const a = this.assessment;
    if (a.need > 0 && a.have >= a.need && this.phase === 'collecting' && !this.finishing) {
      this.finishing = this.finish()
        .catch((err: unknown) => {
          this.lastError = err instanceof Error ? err.message : String(err);
          this.log(`recovery: restore failed: ${this.lastError}`);
        })
        .finally(() => {
          this.finishing = null;
        });
    }
    return a;
  }

  /** Waits for a restore in progress (tests, shutdown). */
  async settled(): Promise<void> {
    await this.finishing;
  }

  private async finish(): Promise<void> {
    const keys = this.keys;
    const passphrase = this.passphrase;
    const a = this.assessment;
    if (!keys || !passphrase || !a) return;
    this.phase = 'restoring';
    this.deps.events.changed('recovery', 'status');
    try {
      const pieces = a.pieces.filter((p) => p.signed !== null);
      let combined;
      try {
        combined = await combineShards(
          pieces.map((p) => ({
            from: p.row.custodianPeerId,
            signed: p.signed!,
            senderSignPublic: signPublicFromPeerId(p.row.custodianPeerId),
          })),
          a.owner ? { owner: a.owner } : {},
        );
      } catch (err) {
        if (
          err instanceof NotEnoughShardsError ||
          (err instanceof TesseraError && err.code === 'VERIFICATION_FAILED')
        ) {
          this.lastError = err.message;
          this.phase = 'collecting';
          return;
        }
        throw err;
      }
      this.combineProblems = new Map(
        combined.problems
          .filter((p) => combined.badCustodians.includes(p.from))
          .map((p) => [p.from, p.reason]),
      );
      const snapshot = await this.openNewestBackup(combined.key, combined.owner, combined.goodCustodians);
      combined.key.fill(0);
      if (!snapshot) {
        this.phase = 'collecting';
        return;
      }
      const finalStatus = this.status();
      await this.node?.stop();
      this.node = null;
      try {
        await this.deps.restore({
          snapshot,
          passphrase,
          name: this.deps.store.session()?.name ?? null,
          delivered: combined.goodCustodians,
          threshold: combined.threshold,
        });
      } catch (err) {
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
      this.lastError = undefined;
      keys.signSeed.fill(0);
      keys.boxSecret.fill(0);
      this.keys = null;
      this.passphrase = null;
      this.log('recovery: vault restored');
    } finally {
      if (this.phase === 'restoring') this.phase = 'collecting';
      this.deps.events.changed('recovery', 'status', 'items', 'friends', 'held');
    }
  }

  /** The newest manifest (from a custodian whose piece was good) whose chunks all arrived and open under K. */
  private async openNewestBackup(
    key: Uint8Array,
    owner: Uint8Array,
    good: string[],
  ): Promise<Snapshot | null> {
    const candidates = this.deps.store
      .shards()
      .filter((r) => good.includes(r.custodianPeerId) && r.manifest.length > 0)
      .flatMap((r) => {
        try {
          return [{ row: r, version: verifyManifest(r.manifest, owner).version }];
        } catch {
          return [];
        }
      })
      .sort((x, y) => y.version - x.version);
    const failures: string[] = [];
    for (const c of candidates) {
      try {
        return await openBackup(
          c.row.manifest,
          (id) => this.deps.store.chunk(id),
          key,
          owner,
          nativeBackupCrypto,
        );
      } catch (err) {
        failures.push(
          `${c.row.name}'s copy (version ${c.version}): ${err instanceof Error ? err.message : String(err)}`,
        );
      }
    }
    this.lastError =
      candidates.length === 0
        ? 'The pieces are complete, but no friend has sent the backup itself yet: ask another friend to approve.'
        : `The backup could not be opened from any copy received (${failures.join('; ')}). Ask another friend to approve.`;
    return null;
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
        message: 'Your vault is restored.',
      };
    }
    const signPublic = signPublicOf(row);
    const shards = this.deps.store.shards();
    const byPeer = new Map((this.assessment?.pieces ?? []).map((p) => [p.row.custodianPeerId, p]));
    const custodians: RecoveryCustodian[] = [];
    const seen = new Set<string>();
    for (const s of shards) {
      seen.add(s.custodianPeerId);
      const piece = byPeer.get(s.custodianPeerId);
      const problem = this.combineProblems.get(s.custodianPeerId) ?? piece?.problem ?? undefined;
      custodians.push({
        name: s.name,
        peerId: s.custodianPeerId,
        comparisonCode: recoveryComparisonCode(signPublicFromPeerId(s.custodianPeerId), signPublic),
        state: problem ? 'bad' : !this.keys ? 'received' : 'verified',
        ...(problem ? { problem: `${s.name}'s piece did not verify: ${problem}` } : {}),
      });
    }
    for (const [peerId, h] of this.hellos) {
      if (seen.has(peerId)) continue;
      custodians.push({
        name: h.name,
        peerId,
        comparisonCode: recoveryComparisonCode(signPublicFromPeerId(peerId), signPublic),
        state: 'connected',
      });
    }
    const have = this.assessment?.have ?? 0;
    const need = this.assessment?.need ?? 0;
    const state = this.phase === 'restoring' ? 'restoring' : this.keys ? 'collecting' : 'needs-passphrase';
    const bad = custodians.filter((c) => c.state === 'bad').map((c) => c.problem!);
    const error = this.lastError ?? (bad.length > 0 ? bad.join(' ') : undefined);
    const message =
      state === 'needs-passphrase'
        ? `${shards.length} piece(s) received. Enter your new passphrase to continue the recovery.`
        : progressMessage(have, need, shards.length);
    return {
      state,
      have,
      need,
      custodians,
      code: this.node ? this.code(row) : null,
      expiresAt: row.expiresAt,
      message,
      ...(error ? { error } : {}),
    };
  }

  /**
   * Gives up the session: the listener stops and the session key, code and every collected piece are deleted, so
   * the data dir is empty again (create a vault, or start a new recovery). Refused while a restore is under way.
   */
  async cancel(): Promise<void> {
    if (this.phase === 'restoring' || this.finishing) {
      throw new ConflictError('Your vault is being restored right now; wait a moment.');
    }
    this.requireActive();
    await this.node?.stop();
    this.node = null;
    this.keys?.boxSecret.fill(0);
    this.keys = null;
    this.passphrase = null;
    this.assessment = null;
    this.deps.store.deleteAll();
    this.phase = 'collecting';
    this.log('recovery: session cancelled; its pieces were deleted');
    this.deps.events.changed('status', 'recovery');
  }

  requireActive(): void {
    if (!this.deps.store.session()) throw new NoRecoverySessionError();
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.finishing?.catch(() => {});
    await this.node?.stop();
    this.node = null;
    this.keys?.boxSecret.fill(0);
    this.keys = null;
    this.passphrase = null;
  }
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
