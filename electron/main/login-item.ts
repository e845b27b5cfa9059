import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { App } from 'electron';

/** Where XDG desktops look for programs to start at login. */
export function autostartFile(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.XDG_CONFIG_HOME ?? join(homedir(), '.config'), 'autostart', 'tessera.desktop');
}

function quote(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `"${arg.replace(/(["`$\\])/g, '\\$1')}"`;
}

/** The autostart entry: Tessera starts hidden in the tray so it can serve friends. */
export function autostartEntry(command: string[]): string {
  return [
    '[Desktop Entry]',
    'Type=Application',
    'Name=Tessera',
    'Comment=Keeps your friends’ backups reachable',
    `Exec=${command.map(quote).join(' ')}`,
    'Icon=tessera',
    'Terminal=false',
    'X-GNOME-Autostart-enabled=true',
    '',
  ].join('\n');
}

/**
 * Turns starting at login on or off. Electron's login items do not exist on Linux, where the XDG autostart file
 * is the standard; elsewhere Electron's own API is used. `command` is how this app is started (executable plus,
 * when not packaged, the app path), to which `--hidden` is added.
 */
export function applyStartAtLogin(
  app: Pick<App, 'setLoginItemSettings'>,
  enabled: boolean,
  command: string[],
): void {
  if (process.platform === 'linux') {
    const file = autostartFile();
    if (enabled) {
      mkdirSync(join(file, '..'), { recursive: true });
      writeFileSync(file, autostartEntry([...command, '--hidden']), { mode: 0o644 });
    } else {
      rmSync(file, { force: true });
    }
    return;
  }
  app.setLoginItemSettings({ openAtLogin: enabled, openAsHidden: true, args: ['--hidden'] });
}
