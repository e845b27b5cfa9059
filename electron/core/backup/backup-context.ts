import type { IdentityKeys } from '../../../shared/crypto/identity.ts';
import type { EventBus } from '../event-bus.ts';
import type { Store } from '../store/store.ts';
import type { VaultService } from '../vault/vault-service.ts';
import type { FriendsStore } from '../mesh/friends-store.ts';
import type { CustodianStore } from './custodian-store.ts';
import type { PeerLink } from './peer-link.ts';

/**
 * The tunables backups use, from the core's configuration (electron/core/config.ts `CoreConfig`, parsed once from
 * the TESSERA_* variables). Declared here rather than imported, so the backup layer does not import the composition
 * root above it; the core's config satisfies it as it is.
 */
export interface BackupConfig {
  /** How often each custodian's copy is compared with the current version (and forwarding looks for hand-offs). */
  readonly reconcileMs: number;
  /** How often custodians prove they still hold the data. */
  readonly healthMs: number;
  /** How long a request to hold a piece waits for the friend's answer. */
  readonly holdRequestTtlMs: number;
  /** Disk this device lends to friends' deposits in progress, in MiB. */
  readonly depositBudgetMib: number;
  /** How long a custodian is out of reach before a carrier friend is used (PROTOCOL §10.4). */
  readonly forwardAfterMs: number;
}

/** Time as backups see it (electron/core/config.ts `Clock`), injected so decisions on time can be tested. */
export interface BackupClock {
  now(): number;
}

/** What the backup services need from the rest of the core. */
export interface BackupContext {
  store: Store;
  vault: VaultService;
  friends: FriendsStore;
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
