/**
 * The real custodian service on a real SQLite store in a temp dir, served over an in-memory link: the far end for
 * the owner's conversations. The owner is a friend whose code was confirmed; only the friends list is a stand-in.
 */
import type { TestContext } from 'node:test';
import { CustodianBackupService } from '../../../electron/core/backup/custodian-service.ts';
import { CustodianStore } from '../../../electron/core/backup/custodian-store.ts';
import type { BackupContext } from '../../../electron/core/backup/backup-context.ts';
import { Store, databasePath } from '../../../electron/core/store/store.ts';
import { readConfig } from '../../../electron/core/config.ts';
import type { Conversation } from '../../../electron/core/mesh/rpc.ts';
import { decodeBackupMessage } from '../../../shared/protocol/backup.ts';
import type { IdentityKeys } from '../../../shared/crypto/identity.ts';
import { tempDir } from '../vault/helpers.ts';
import { conversationPair } from '../mesh/fake-link.ts';
import { FriendVersions } from '../../../electron/core/mesh/friend-versions.ts';

export interface RealCustodian {
  service: CustodianBackupService;
  store: CustodianStore;
  /** Titles of the notices shown to the custodian's person. */
  notices: string[];
  /** Runs `owner` against the service over a fresh conversation; resolves with the owner's result once both ended. */
  talk<T>(owner: (conv: Conversation) => Promise<T>): Promise<T>;
}

export function realCustodian(
  t: TestContext,
  who: { keys: IdentityKeys; peerId: string },
  friend: { peerId: string; name: string },
  now: number,
): RealCustodian {
  const db = Store.open(databasePath(tempDir(t, 'tessera-custodian-')));
  t.after(() => db.close());
  const store = new CustodianStore(db);
  const notices: string[] = [];
  const ctx = {
    store: db,
    custodianStore: store,
    friends: {
      getFriend: (peerId: string) => (peerId === friend.peerId ? { name: friend.name } : null),
      nameOf: (peerId: string) => (peerId === friend.peerId ? friend.name : null),
      isVerified: (peerId: string) => peerId === friend.peerId,
    },
    // Nothing seen of the owner's Tessera (PROTOCOL §13.3).
    versions: new FriendVersions(),
    events: { changed: () => {}, emit: (e: { title?: string }) => notices.push(e.title ?? '') },
    config: readConfig({}),
    keys: () => who.keys,
    link: { open: () => Promise.reject(new Error('offline')) },
    now: () => now,
    log: () => {},
  } as unknown as BackupContext;
  const service = new CustodianBackupService(ctx);
  t.after(() => service.close());
  return {
    service,
    store,
    notices,
    async talk(owner) {
      const [ownerEnd, custodianEnd] = conversationPair(friend.peerId, who.peerId);
      const served = (async () =>
        service.serve(custodianEnd, decodeBackupMessage(await custodianEnd.receive())))();
      const result = await owner(ownerEnd);
      await served;
      return result;
    },
  };
}
