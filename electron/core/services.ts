import { APP_VERSION } from './version.ts';
import { ConflictError } from '../../shared/errors.ts';
import type { OpOutput } from '../../shared/api/contract.ts';
import { withContractRules } from './handler-rules.ts';
import type { EventBus } from './event-bus.ts';
import type { Handlers } from '../../shared/api/handlers.ts';
import { Store, databasePath } from './store/store.ts';
import { VaultService } from './vault/vault-service.ts';
import type { KeyProtectorFactory } from './vault/key-protector.ts';
import { keychainHandlers, unlockWithKeychain } from './vault/keychain.ts';
import { vaultHandlers } from './vault/handlers.ts';
import { itemHandlers } from './vault/items/handlers.ts';
import { transferHandlers } from './import/handlers.ts';
import { TransferService } from './import/transfer-service.ts';
import { friendHandlers, openMesh } from './mesh/handlers.ts';
import type { MeshService } from './mesh/mesh-service.ts';
import { BackupServices } from './backup/backup-services.ts';
import { removeFriend } from './friend-removal.ts';
import { DeviceSettingsRepo } from './device-settings.ts';
import { settingsHandlers } from './settings-handlers.ts';
import { RecoveryServices } from './recovery/recovery-services.ts';
import type { Clock, CoreConfig } from './config.ts';

export interface ServiceContext {
  dataDir: string;
  events: EventBus;
  /** libp2p listen multiaddrs from `--listen`, or null for the default. */
  listen: string[] | null;
  /** `tessera serve --relay`: relay for friends in this run, whatever the saved setting says; null: not given. */
  relay: boolean | null;
  keyProtector: KeyProtectorFactory | null;
  /** A desktop shell (window, tray, login item) runs this core. */
  desktop?: boolean;
  /** The tunables, parsed once (electron/core/config.ts). */
  config: CoreConfig;
  clock: Clock;
}

export interface Services {
  handlers: Handlers;
  /** The local database; other services add their tables through migrations (see docs/STORAGE.md). */
  store: Store;
  /** The vault: state, identity keys, items, snapshot data, change hooks. */
  vault: VaultService;
  /** The libp2p mesh: friends, pairing, connection gate (electron/core/mesh). */
  mesh: MeshService;
  /** Backups as owner and as custodian (electron/core/backup). */
  backup: BackupServices;
  close(): Promise<void>;
}

/** Opens every service of a data dir and maps each contract operation to the service that implements it. */
export async function openServices(ctx: ServiceContext): Promise<Services> {
  const store = Store.open(databasePath(ctx.dataDir));
  let vault: VaultService;
  try {
    vault = new VaultService(store, ctx.events);
  } catch (err) {
    store.close();
    throw err;
  }
  const device = new DeviceSettingsRepo(store.db);
  const saved = device.read();
  // The relay role: `--relay`, else TESSERA_RELAY, else the saved choice.
  const relay =
    ctx.relay === null
      ? (ctx.config.relay ?? (saved.relayForFriends ? 'on' : 'off'))
      : ctx.relay
        ? 'on'
        : 'off';
  const mesh = openMesh(store.db, vault, ctx.events, {
    listen: ctx.listen ?? (saved.listen.length > 0 ? saved.listen : null),
    relay,
    config: ctx.config,
    clock: ctx.clock,
  });
  const backup = new BackupServices({
    store,
    vault,
    mesh,
    events: ctx.events,
    config: ctx.config,
    clock: ctx.clock,
  });
  const recovery = new RecoveryServices({
    store,
    vault,
    mesh,
    backup,
    events: ctx.events,
    listen: ctx.listen,
    config: ctx.config,
    clock: ctx.clock,
  });
  await recovery.resume();

  const status = (): OpOutput<'app.status'> => {
    const identity = vault.publicIdentity();
    return {
      version: APP_VERSION,
      dataDir: ctx.dataDir,
      state: recovery.active() ? 'recovering' : vault.state(),
      identity: identity && {
        name: identity.name,
        peerId: identity.peerId,
        fingerprint: identity.fingerprint,
      },
      addresses: mesh.addresses(),
      friends: mesh.friends.countFriends(),
      holdingFor: backup.custodian.countHeld(),
      pendingRequests:
        (vault.state() === 'unlocked' ? backup.custodian.pendingRequests().length : 0) +
        recovery.pendingCount(),
      keychain: { available: ctx.keyProtector !== null, enabled: vault.protectorName() !== null },
    };
  };

  const backupHandlers = backup.handlers();
  const vaultOps = vaultHandlers(vault, status, ctx.keyProtector);
  const handlers: Handlers = {
    'app.status': status,
    ...vaultOps,
    // A vault kept aside during a recovery (forgotten passphrase, PROTOCOL §11.6) stays hidden until it is cancelled.
    'vault.unlock': (input) => {
      if (recovery.active() && vault.state() === 'locked')
        throw new ConflictError(
          'This device is recovering your vault with your friends. If you remember your passphrase after all, stop the recovery first: your vault comes back as it was, and your passphrase opens it.',
        );
      return vaultOps['vault.unlock'](input);
    },
    ...itemHandlers(vault.items),
    ...transferHandlers(new TransferService({ items: vault.items })),
    ...friendHandlers(mesh),
    'friends.remove': (input) => removeFriend({ mesh, backup }, input),
    ...backupHandlers,
    ...keychainHandlers(vault, ctx.keyProtector, status),
    ...settingsHandlers(
      vault,
      device,
      { listeningOn: () => mesh.addresses(), relaying: () => mesh.relaying(), desktop: ctx.desktop ?? false },
      ctx.events,
    ),
    ...recovery.handlers(backupHandlers),
  };
  if (!recovery.active()) unlockWithKeychain(vault, ctx.keyProtector);

  return {
    handlers: withContractRules(handlers, vault),
    store,
    vault,
    mesh,
    backup,
    close: async () => {
      await recovery.close();
      backup.close();
      await mesh.stop();
      vault.close();
      store.close();
    },
  };
}
