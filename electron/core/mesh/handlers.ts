import type { Handlers } from '../../../shared/api/handlers.ts';
import type { VaultService } from '../vault/vault-service.ts';
import { MeshService } from './mesh-service.ts';
import type { MeshConfig, MeshOptions } from './mesh-service.ts';
import type { MeshEvents } from './mesh-events.ts';
import type { Database } from 'better-sqlite3';
import type { CoreConfig } from '../config.ts';

export type FriendHandlers = Pick<
  Handlers,
  | 'friends.invite'
  | 'friends.pair'
  | 'friends.list'
  | 'friends.pending'
  | 'friends.compare'
  | 'friends.confirm'
  | 'friends.rename'
>;

/**
 * Creates the mesh of a data dir and ties it to the vault: the node starts on the first unlock (or create) and
 * then keeps running, also while the vault is locked, until the core closes.
 */
export function openMesh(
  db: Database,
  vault: VaultService,
  events: MeshEvents,
  options: MeshOptions & { config: MeshConfig & Pick<CoreConfig, 'meshLog'> },
): MeshService {
  const mesh = new MeshService(db, events, { log: meshLogger(options.config.meshLog), ...options });
  const startIfUnlocked = (): void => {
    if (vault.state() !== 'unlocked' || mesh.running) return;
    const identity = vault.publicIdentity();
    const keys = vault.identityKeys();
    mesh
      .start(keys, identity?.name ?? 'Tessera')
      .catch((err: unknown) => console.error('[tessera] the mesh could not start:', err))
      .finally(() => {
        keys.signSeed.fill(0);
        keys.boxSecret.fill(0);
      });
  };
  vault.onStateChange(startIfUnlocked);
  // Renaming yourself (vault.rename) reaches your friends (PROTOCOL §8.6).
  vault.onChange((change) => {
    const name = vault.publicIdentity()?.name;
    if (change === 'identity' && name) mesh.renamed(name);
  });
  startIfUnlocked();
  return mesh;
}

/** TESSERA_MESH_LOG=1: mesh events on stderr. */
function meshLogger(on: boolean): ((message: string) => void) | undefined {
  return on ? (m) => console.error(`[mesh] ${m}`) : undefined;
}

/**
 * The `friends.*` operations but `friends.remove`, which involves backups too (electron/core/friend-removal.ts).
 * Like every non-public op they need the vault unlocked.
 */
export function friendHandlers(mesh: MeshService): FriendHandlers {
  const ready = async (): Promise<void> => {
    await mesh.ready();
  };
  return {
    'friends.invite': async ({ ttlMinutes }) => {
      await ready();
      return mesh.invite(ttlMinutes);
    },
    'friends.pair': async ({ code }) => {
      await ready();
      return mesh.pair(code);
    },
    'friends.list': async () => {
      await ready();
      return mesh.list();
    },
    'friends.pending': async () => {
      await ready();
      return mesh.pending();
    },
    'friends.compare': async ({ peerId }) => {
      await ready();
      await mesh.comparisons.compare(peerId);
      return mesh.friend(peerId);
    },
    'friends.confirm': async ({ peerId, match }) => {
      await ready();
      mesh.comparisons.judge(peerId, match);
      mesh.friendJudged(peerId);
      return mesh.friend(peerId);
    },
    'friends.rename': async ({ peerId, nickname }) => {
      await ready();
      return mesh.rename(peerId, nickname);
    },
  };
}
