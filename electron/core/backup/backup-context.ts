import type { IdentityKeys } from '../../../shared/crypto/identity.ts';
import type { EventBus } from '../event-bus.ts';
import type { Store } from '../store/store.ts';
import type { VaultService } from '../vault/vault-service.ts';
import type { FriendsStore } from '../mesh/friends-store.ts';
import type { FriendVersionsView } from '../mesh/friend-versions.ts';
import type { CustodianStore } from './custodian-store.ts';
import type { PeerLink } from './peer-link.ts';
import type { Clock, CoreConfig } from '../config.ts';

/** The tunables backups use, from the core's configuration (parsed once from the TESSERA_* variables). */
export type BackupConfig = Pick<
  CoreConfig,
  'reconcileMs' | 'healthMs' | 'holdRequestTtlMs' | 'depositBudgetMib' | 'forwardAfterMs' | 'minRemoteWaitMs'
>;

/** Time as backups see it, injected so decisions on time can be tested. */
export type BackupClock = Clock;

/** What the backup services need from the rest of the core. */
export interface BackupContext {
  store: Store;
  vault: VaultService;
  friends: FriendsStore;
  /** What this run has seen of each friend's Tessera (mesh/friend-versions.ts, PROTOCOL §13.3). */
  versions: FriendVersionsView;
  custodianStore: CustodianStore;
  events: EventBus;
  config: BackupConfig;
  /** Identity keys held in memory since the first unlock of this process (custodians serve friends while locked). */
  keys(): IdentityKeys | null;
  selfPeerId(): string;
  link: PeerLink;
  /** The injected clock's time. */
  now(): number;
  log(message: string): void;
}
