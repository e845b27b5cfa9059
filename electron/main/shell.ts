import { join, resolve } from 'node:path';
import { app, dialog, Menu, safeStorage } from 'electron';
import { TesseraCore } from '../core/core.ts';
import { defaultDataDir, ensureDataDir } from '../core/data-dir.ts';
import { createClient, localBridge } from '../../shared/api/client.ts';
import { applyStartAtLogin } from './login-item.ts';
import { parseShellArgs } from './args.ts';
import { publishDiagnostics } from './diagnostics.ts';
import { forwardEvents, installIpc } from './ipc.ts';
import { forwardNotices, notify } from './notifications.ts';
import { resourcePath, shellPaths } from './paths.ts';
import { registerAppScheme, serveAppProtocol } from './protocol.ts';
import { ShellStateStore } from './shell-state.ts';
import { acquireSingleInstance } from './single-instance.ts';
import { SystemTrayService } from './tray.ts';
import { electronTrayFactory } from './tray-factory.ts';
import { guardDefaultSession, installWebContentsGuard, openWithShell } from './webcontents-guard.ts';
import { openExternalSafely } from './external-links.ts';
import { MainWindow, secureWebPreferences } from './window.ts';
import { SafeStorageKeyProtector } from './safe-storage.ts';

/**
 * The Electron main process: composes the shell's modules around one TesseraCore. Order matters — everything
 * that must happen before `ready` (paths, sandbox, the app:// scheme, the single-instance lock, the web contents
 * guard) happens at the top level; the rest once the app is ready.
 */

const args = parseShellArgs(process.argv);
const dataDir = ensureDataDir(args.dataDir ? resolve(args.dataDir) : defaultDataDir());

app.setName('Tessera');
app.setAppUserModelId('app.tessera.desktop');
// The single-instance lock lives in userData, so one Tessera window per data dir. Chromium's own files (caches,
// local storage) go to a subfolder so they do not mix with the vault's.
app.setPath('userData', dataDir);
app.setPath('sessionData', join(dataDir, 'electron'));
app.enableSandbox();
registerAppScheme();
installWebContentsGuard();

let mainWindow: MainWindow | null = null;

if (!acquireSingleInstance((argv) => onSecondInstance(argv))) {
  console.log('[tessera] already running for this data dir; showing that window instead.');
  app.quit();
} else {
  void start().catch((err: unknown) => fatal(err));
}

function onSecondInstance(argv: string[]): void {
  // A second launch (e.g. from the app menu) brings the window back; an autostart with --hidden does not.
  if (!parseShellArgs(argv).hidden) mainWindow?.show();
}

function fatal(err: unknown): void {
  const message = err instanceof Error ? err.message : String(err);
  console.error('[tessera] cannot start:', err);
  if (app.isReady()) dialog.showErrorBox('Tessera cannot start', message);
  app.exit(1);
}

async function start(): Promise<void> {
  let quitting = false;
  app.on('before-quit', () => {
    quitting = true;
  });
  // Closing the window only hides it; Tessera keeps running in the tray until Quit.
  app.on('window-all-closed', () => {});

  await app.whenReady();
  if (app.isPackaged) Menu.setApplicationMenu(null);
  guardDefaultSession();
  serveAppProtocol(shellPaths.renderer);

  const core = await TesseraCore.open({
    dataDir,
    desktop: true,
    keyProtector: (recordedName) =>
      SafeStorageKeyProtector.open({
        api: safeStorage,
        platform: process.platform,
        passphraseSet: true,
        recordedName,
      }),
  });
  // The shell reads the core through the same typed client as every other adapter.
  const client = createClient(localBridge(core));
  // The person's preferences (settings.get works while locked); re-applied whenever they change.
  const preferences = { closeToTray: true, startAtLogin: false };
  const applyPreferences = async (): Promise<void> => {
    const settings = await client.call('settings.get', {}).catch(() => null);
    if (!settings) return;
    preferences.closeToTray = settings.closeToTray;
    if (settings.startAtLogin !== preferences.startAtLogin) {
      preferences.startAtLogin = settings.startAtLogin;
      const command = app.isPackaged ? [process.execPath] : [process.execPath, app.getAppPath()];
      try {
        applyStartAtLogin(app, settings.startAtLogin, [...command, '--data', dataDir]);
      } catch (err) {
        console.error('[tessera] could not change start at login:', err);
      }
    }
  };
  await applyPreferences();
  const stopPreferences = core.subscribe((event) => {
    if (event.type === 'changed' && event.topics.includes('settings')) void applyPreferences();
  });
  const shellState = new ShellStateStore(join(app.getPath('sessionData'), 'shell-state.json'));

  const window: MainWindow = new MainWindow({
    preloadPath: shellPaths.preload,
    iconPath: resourcePath('icons', '256x256.png'),
    startHidden: args.hidden,
    isQuitting: () => quitting,
    closeToTray: () => preferences.closeToTray,
    quit: () => app.quit(),
    onHiddenToTray: () => {
      if (shellState.get().closeNoticeShown) return;
      shellState.update({ closeNoticeShown: true });
      notify(
        'Tessera is still running',
        'Tessera keeps running in the tray so your friends can reach the backups you hold. Quit it from the tray menu.',
        () => window.show(),
      );
    },
    onVisibilityChange: () => tray.windowVisibilityChanged(),
  });
  mainWindow = window;

  const tray = new SystemTrayService({
    createTray: electronTrayFactory(
      resourcePath('tray', process.platform === 'linux' ? 'tray-22.png' : 'tray-16.png'),
    ),
    window,
    fetchStatus: () => client.call('app.status', {}),
    subscribe: (listener) => core.subscribe(listener),
    quit: () => app.quit(),
  });

  const disposers = [
    stopPreferences,
    installIpc(core, (contents) => window.owns(contents)),
    forwardEvents(core, () => window.contents()),
    forwardNotices(
      (listener) => core.subscribe(listener),
      () => window.show(),
    ),
  ];

  publishDiagnostics({
    dataDir,
    webPreferences: secureWebPreferences(shellPaths.preload),
    trayRunning: () => tray.isRunning(),
    trayMenuLabels: () => tray.menuLabels(),
    windowVisible: () => window.isVisible(),
    openExternal: (url) => openExternalSafely(url, openWithShell),
  });

  let shutdown: Promise<void> | null = null;
  let closed = false;
  app.on('will-quit', (event) => {
    if (closed) return;
    event.preventDefault();
    shutdown ??= (async () => {
      for (const dispose of disposers) dispose();
      tray.stop();
      try {
        await core.close();
      } catch (err) {
        console.error('[tessera] closing the core failed:', err);
      }
      closed = true;
      app.quit();
    })();
  });

  tray.start();
  window.create();
}
