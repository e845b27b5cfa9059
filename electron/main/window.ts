import { BrowserWindow } from 'electron';
import type { WebContents, WebPreferences } from 'electron';
import { APP_ENTRY_URL } from './app-origin.ts';
import { loadImage } from './images.ts';

/** The preferences every Tessera window gets. Exported so diagnostics and tests can see what was asked for. */
export function secureWebPreferences(preloadPath: string): WebPreferences {
  return {
    preload: preloadPath,
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webviewTag: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    experimentalFeatures: false,
    navigateOnDragDrop: false,
    safeDialogs: true,
    // The spell checker downloads dictionaries from the web; the renderer needs no network.
    spellcheck: false,
  };
}

export interface MainWindowOptions {
  preloadPath: string;
  iconPath: string;
  /** `--hidden`: create the window but do not show it. */
  startHidden: boolean;
  /** True once the app is quitting: then closing really closes. */
  isQuitting: () => boolean;
  /** The person's choice: closing hides to the tray (true) or quits (false). */
  closeToTray: () => boolean;
  /** Called when closing should quit the app instead of hiding. */
  quit: () => void;
  /** The window was closed into the tray (the process keeps running). */
  onHiddenToTray: () => void;
  /** Shown or hidden, for the tray menu. */
  onVisibilityChange: () => void;
}

/**
 * The one app window. Closing it hides it (Tessera keeps serving friends from the tray); only a real quit
 * (`before-quit` sets the flag) closes it. If it was destroyed anyway, `show()` creates a new one.
 */
export class MainWindow {
  private readonly options: MainWindowOptions;
  private window: BrowserWindow | null = null;

  constructor(options: MainWindowOptions) {
    this.options = options;
  }

  create(): BrowserWindow {
    const win = new BrowserWindow({
      width: 1000,
      height: 720,
      minWidth: 480,
      minHeight: 400,
      show: false,
      title: 'Tessera',
      icon: loadImage(this.options.iconPath),
      backgroundColor: '#101418',
      autoHideMenuBar: true,
      webPreferences: secureWebPreferences(this.options.preloadPath),
    });
    this.window = win;
    win.once('ready-to-show', () => {
      if (!this.options.startHidden) this.show();
    });
    win.on('close', (event) => {
      if (this.options.isQuitting()) return;
      event.preventDefault();
      if (!this.options.closeToTray()) {
        this.options.quit();
        return;
      }
      win.hide();
      this.options.onHiddenToTray();
    });
    win.on('show', () => this.options.onVisibilityChange());
    win.on('hide', () => this.options.onVisibilityChange());
    win.on('closed', () => {
      if (this.window === win) this.window = null;
    });
    void win
      .loadURL(APP_ENTRY_URL)
      .catch((err: unknown) => console.error('[tessera] could not load the UI:', err));
    return win;
  }

  isVisible(): boolean {
    return this.window !== null && !this.window.isDestroyed() && this.window.isVisible();
  }

  show(): void {
    const win = this.window && !this.window.isDestroyed() ? this.window : this.create();
    if (win.isMinimized()) win.restore();
    win.show();
    win.focus();
  }

  hide(): void {
    if (this.window && !this.window.isDestroyed()) this.window.hide();
  }

  /** Web contents that may call the core and receive its events. */
  contents(): WebContents[] {
    return this.window && !this.window.isDestroyed() ? [this.window.webContents] : [];
  }

  owns(contents: WebContents): boolean {
    return this.contents().includes(contents);
  }
}
