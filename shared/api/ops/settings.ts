import { z } from 'zod';
import { op } from '../op.ts';

export const Settings = z.object({
  /** Lock the vault after this many minutes without use. */
  autoLockMinutes: z
    .number()
    .int()
    .min(1)
    .max(24 * 60),
  /** Start Tessera hidden in the tray at login (desktop app). */
  startAtLogin: z.boolean(),
  /** Closing the window keeps Tessera running in the tray so friends can reach you; otherwise closing quits. */
  closeToTray: z.boolean(),
  /** Where the network listens (multiaddrs); empty for the default. Takes effect the next time Tessera starts. */
  listen: z.array(z.string().max(200)).max(8),
  /** What the network listens on right now. */
  listeningOn: z.array(z.string()),
  /**
   * Relay connections between friends who cannot reach each other directly (friends only). For an always-on
   * machine that friends can reach. Takes effect the next time Tessera starts.
   */
  relayForFriends: z.boolean(),
  /** Whether this node relays for friends right now (the saved choice, or `tessera serve --relay`). */
  relaying: z.boolean(),
  /**
   * The desktop app runs here (a window, a tray, a login item), so startAtLogin and closeToTray apply; false under
   * `tessera serve`, where they are kept but do nothing.
   */
  desktopShell: z.boolean(),
});
export type Settings = z.infer<typeof Settings>;

export const settingsOps = {
  /** Readable while locked (nothing in it is secret), so the shell can apply its preferences at start. */
  'settings.get': op(z.object({}), Settings, { public: true }),
  'settings.update': op(
    Settings.omit({ listeningOn: true, relaying: true, desktopShell: true }).partial(),
    Settings,
  ),
};
