import type { Handlers } from '../../shared/api/handlers.ts';
import type { EventBus } from './event-bus.ts';
import type { DeviceSettings, DeviceSettingsRepo } from './device-settings.ts';
import type { VaultService } from './vault/vault-service.ts';
import type { Settings } from '../../shared/api/ops/settings.ts';

export type SettingsHandlers = Pick<Handlers, 'settings.get' | 'settings.update'>;

/** `settings.*`: the vault's own settings (auto-lock, which travel with backups) and this device's preferences. */
export function settingsHandlers(
  vault: VaultService,
  device: DeviceSettingsRepo,
  network: { listeningOn(): string[]; relaying(): boolean; desktop?: boolean },
  events: EventBus,
): SettingsHandlers {
  const read = (): Settings => ({
    autoLockMinutes: Math.max(1, Math.round(vault.settings().autoLockSeconds / 60)),
    ...device.read(),
    listeningOn: network.listeningOn(),
    relaying: network.relaying(),
    desktopShell: network.desktop ?? false,
  });
  return {
    'settings.get': read,
    'settings.update': ({ autoLockMinutes, ...rest }) => {
      const patch: Partial<DeviceSettings> = Object.fromEntries(
        Object.entries(rest).filter(([, value]) => value !== undefined),
      );
      if (Object.keys(patch).length > 0) device.write(patch);
      if (autoLockMinutes !== undefined) vault.updateSettings({ autoLockSeconds: autoLockMinutes * 60 });
      events.changed('settings');
      return read();
    },
  };
}
