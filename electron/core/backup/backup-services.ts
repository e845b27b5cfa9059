import type { Handlers } from '../../../shared/api/handlers.ts';
import type { EventBus } from '../event-bus.ts';
import type { Store } from '../store/store.ts';
import type { VaultChange, VaultService } from '../vault/vault-service.ts';
import type { FriendsStore } from '../mesh/friends-store.ts';
import type { Conversation } from '../mesh/rpc.ts';
import type { IdentityKeys } from '../../../shared/crypto/identity.ts';
import { BadRequestError } from '../../../shared/errors.ts';
import { CustodianStore } from './custodian-store.ts';
import { OwnerStore } from './owner-store.ts';
import { OwnerBackupService } from './owner-service.ts';
import { CustodianBackupService } from './custodian-service.ts';
import { serveBackupConversation } from './backup-protocol.ts';
import { ForwardService } from '../mesh/forwarding/forward-service.ts';
import type { ForwardMesh } from '../mesh/forwarding/forward-service.ts';
import { wireBackupForwarding } from './backup-forwarding.ts';
import type { BackupClock, BackupConfig } from './backup-context.ts';

/** What a change in the vault means for a backup version, as the backup screen says it. */
const CHANGE_WORDS: Record<VaultChange, string> = {
  items: 'items changed',
  identity: 'your name or keys changed',
  settings: 'settings changed',
};

import { FriendVersions } from '../mesh/friend-versions.ts';
import type { FriendVersionsView } from '../mesh/friend-versions.ts';

/** What backups need from the mesh. */
export interface MeshAccess {
  readonly friends: FriendsStore;
  /** What this run has seen of each friend's Tessera; absent in a mesh that does not track it (nothing is known). */
  readonly versions?: FriendVersionsView;
  /** Identity keys the mesh holds in memory since the first unlock, or null before it. */
  identityKeys(): IdentityKeys | null;
  open(peerId: string, protocol: 'backup'): Promise<Conversation>;
  handle(protocol: 'backup', handler: (conv: Conversation) => Promise<void>): void;
  onPeerConnected(listener: (peerId: string) => void): () => void;
  /** Friends added or removed, or their stored addresses changed (what a backup's contact list holds). */
  onContactsChanged(listener: () => void): () => void;
  /** Store and forward through mutual friends (electron/core/mesh/forwarding); absent in a mesh without it. */
  forwarding?: ForwardMesh;
  /** Who the gate still lets us reach after they were removed: those owed a deletion request (PROTOCOL §8.1). */
  setRetiring(source: () => string[]): void;
  /** A removed friend was told and deleted everything: close the gate to them. */
  retired(peerId: string): Promise<void>;
}

export type BackupHandlers = Pick<
  Handlers,
  | 'backup.create'
  | 'backup.status'
  | 'backup.check'
  | 'held.list'
  | 'requests.list'
  | 'requests.accept'
  | 'requests.decline'
>;

/**
 * Both backup roles of one install, wired to the rest of the core: vault and friend changes and held-shard changes
 * produce new versions; unlocks rebuild what changed while locked; a friend connecting, a timer and every change
 * drive delivery; a slower timer runs health checks.
 */
export class BackupServices {
  readonly owner: OwnerBackupService;
  readonly custodian: CustodianBackupService;
  /** Parcels through mutual friends (carrier, author and recipient roles), when the mesh offers it. */
  readonly forward: ForwardService | null = null;
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly unsubscribe: (() => void)[] = [];

  constructor(deps: {
    store: Store;
    vault: VaultService;
    mesh: MeshAccess;
    events: EventBus;
    /** The core's configuration (electron/core/config.ts): timers, request lifetimes, the deposit budget. */
    config: BackupConfig;
    clock: BackupClock;
    log?: (m: string) => void;
  }) {
    const { store, vault, mesh, events, config, clock } = deps;
    const custodianStore = new CustodianStore(store);
    // Before any deposit or build can start: pack files of deposits and versions a crash cut short.
    custodianStore.sweepPacks();
    new OwnerStore(store).sweepPacks();
    const ctx = {
      store,
      vault,
      friends: mesh.friends,
      versions: mesh.versions ?? new FriendVersions(),
      custodianStore,
      events,
      config,
      keys: () => mesh.identityKeys(),
      selfPeerId: () => vault.publicIdentity()?.peerId ?? '',
      link: { open: (peerId: string) => mesh.open(peerId, 'backup') },
      now: () => clock.now(),
      log: deps.log ?? ((m: string) => console.error(`[tessera] ${m}`)),
    };
    this.owner = new OwnerBackupService(ctx);
    this.custodian = new CustodianBackupService(ctx);
    this.custodian.onHeldShardsChanged = () =>
      this.owner.scheduleRebuild('a piece you keep for a friend changed');
    mesh.setRetiring(() => this.owner.retiringPeers());
    this.owner.onRetired = (peerId) => void mesh.retired(peerId);
    mesh.handle('backup', (conv) => serveBackupConversation(conv, this.owner, this.custodian));
    if (mesh.forwarding) {
      const fm = mesh.forwarding;
      this.forward = new ForwardService(store.db, fm, { log: ctx.log });
      this.unsubscribe.push(
        wireBackupForwarding(this.forward, ctx, this.owner, this.custodian, (peerId) =>
          fm.isConnected(peerId),
        ),
      );
    }
    this.unsubscribe.push(
      vault.onChange((change) => this.owner.scheduleRebuild(CHANGE_WORDS[change])),
      vault.onStateChange((state) => {
        if (state === 'unlocked')
          void this.owner.onUnlocked().catch((err: unknown) => ctx.log(`backup: ${String(err)}`));
      }),
      mesh.onContactsChanged(() => this.owner.scheduleRebuild('friends changed')),
      mesh.onPeerConnected((peerId) => {
        this.owner.peerConnected(peerId);
        this.custodian.peerConnected(peerId);
      }),
    );
    const tick = setInterval(() => {
      this.owner.kick();
      this.custodian.kick();
    }, config.reconcileMs);
    const health = setInterval(() => {
      void this.owner
        .checkHealth()
        .catch((err: unknown) => ctx.log(`backup: health check failed: ${String(err)}`));
    }, config.healthMs);
    tick.unref();
    health.unref();
    this.timers.push(tick, health);
    if (vault.state() === 'unlocked') void this.owner.onUnlocked();
  }

  handlers(): BackupHandlers {
    const parseRequestId = (id: string) => {
      const match = /^holding:(.+)$/.exec(id);
      if (!match?.[1]) throw new BadRequestError(`Unknown request id "${id}".`);
      return match[1];
    };
    return {
      'backup.create': (input) => this.owner.create(input),
      'backup.status': () => {
        return this.owner.status();
      },
      'backup.check': () => {
        return this.owner.checkHealth();
      },
      'held.list': () => {
        return this.custodian.heldBackups();
      },
      'requests.list': () => {
        return this.custodian.pendingRequests();
      },
      'requests.accept': ({ id }) => {
        this.custodian.answer(parseRequestId(id), true);
        return {};
      },
      'requests.decline': ({ id }) => {
        this.custodian.answer(parseRequestId(id), false);
        return {};
      },
    };
  }

  close(): void {
    for (const timer of this.timers) clearInterval(timer);
    for (const off of this.unsubscribe) off();
    this.owner.close();
    this.custodian.close();
    this.forward?.close();
  }
}
