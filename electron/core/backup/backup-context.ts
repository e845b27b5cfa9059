import type { IdentityKeys } from '../../../shared/crypto/identity.ts';
import type { EventBus } from '../event-bus.ts';
import type { Store } from '../store/store.ts';
import type { VaultService } from '../vault/vault-service.ts';
import type { FriendsStore } from '../mesh/friends-store.ts';
import type { CustodianStore } from './custodian-store.ts';
import type { PeerLink } from './peer-link.ts';

/** What the backup services need from the rest of the core. */
export interface BackupContext {
  store: Store;
  vault: VaultService;
  friends: FriendsStore;
  custodianStore: CustodianStore;
  events: EventBus;
  /** Identity keys held in memory since the first unlock of this process (custodians serve friends while locked). */
  keys(): IdentityKeys | null;
  selfPeerId(): string;
  link: PeerLink;
  now(): number;
  log(message: string): void;
}
