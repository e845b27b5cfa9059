import type { Status } from '../../shared/api/ops/app.ts';
import type { TesseraEvent, Topic } from '../../shared/api/events.ts';

/**
 * The tray icon and its menu (Signal's SystemTrayService pattern): the service owns what the menu says and does;
 * the actual Electron Tray comes from an injected factory, so this file has no runtime dependency on Electron and
 * is tested with a recording tray. Linux desktops may swallow tray clicks, so Show/Hide and Quit are always in
 * the menu too.
 */

export interface TrayMenuItem {
  type?: 'normal' | 'separator';
  label?: string;
  enabled?: boolean;
  click?: () => void;
}

/** What the service needs from a tray icon; tray-factory.ts adapts Electron's Tray to it. */
export interface TrayHandle {
  setMenu(items: TrayMenuItem[]): void;
  setToolTip(text: string): void;
  onClick(listener: () => void): void;
  destroy(): void;
}

export type TrayFactory = () => TrayHandle;

export interface TrayWindowControl {
  isVisible(): boolean;
  show(): void;
  hide(): void;
}

export interface SystemTrayServiceOptions {
  createTray: TrayFactory;
  window: TrayWindowControl;
  /** Reads `app.status` through the core. */
  fetchStatus: () => Promise<Status>;
  subscribe: (listener: (event: TesseraEvent) => void) => () => void;
  quit: () => void;
}

const STATUS_TOPICS: ReadonlySet<Topic> = new Set(['status', 'friends', 'held', 'requests', 'recovery']);

function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** The first (disabled) line of the tray menu. */
export function statusLine(status: Status | null, error: string | null = null): string {
  if (error) return `Status unavailable: ${error}`;
  if (!status) return 'Starting…';
  const parts: string[] = [];
  switch (status.state) {
    case 'empty':
      parts.push('No vault yet');
      break;
    case 'locked':
      parts.push('Locked');
      break;
    case 'recovering':
      parts.push('Recovering');
      break;
    case 'unlocked':
      parts.push(status.addresses.length > 0 ? 'Online' : 'Offline');
      break;
  }
  if (status.holdingFor > 0) parts.push(`holding for ${plural(status.holdingFor, 'friend', 'friends')}`);
  if (status.pendingRequests > 0) {
    parts.push(plural(status.pendingRequests, 'pending request', 'pending requests'));
  }
  return parts.join(' · ');
}

export class SystemTrayService {
  private readonly options: SystemTrayServiceOptions;
  private tray: TrayHandle | null = null;
  private unsubscribe: (() => void) | null = null;
  private status: Status | null = null;
  private error: string | null = null;
  private refreshing: Promise<void> | null = null;
  private refreshAgain = false;
  private items: TrayMenuItem[] = [];

  constructor(options: SystemTrayServiceOptions) {
    this.options = options;
  }

  start(): void {
    if (this.tray) return;
    this.tray = this.options.createTray();
    this.tray.onClick(() => this.toggleWindow());
    this.render();
    this.unsubscribe = this.options.subscribe((event) => {
      if (event.type === 'changed' && event.topics.some((t) => STATUS_TOPICS.has(t))) void this.refresh();
    });
    void this.refresh();
  }

  /** Re-reads the status; concurrent requests collapse into one follow-up read. */
  refresh(): Promise<void> {
    if (this.refreshing) {
      this.refreshAgain = true;
      return this.refreshing;
    }
    this.refreshing = (async () => {
      do {
        this.refreshAgain = false;
        try {
          this.status = await this.options.fetchStatus();
          this.error = null;
        } catch (err) {
          this.error = err instanceof Error ? err.message : String(err);
        }
      } while (this.refreshAgain && this.tray);
      this.refreshing = null;
      this.render();
    })();
    return this.refreshing;
  }

  /** Call when the window is shown or hidden so the menu offers the right action. */
  windowVisibilityChanged(): void {
    this.render();
  }

  toggleWindow(): void {
    if (this.options.window.isVisible()) this.options.window.hide();
    else this.options.window.show();
    this.render();
  }

  /** Labels of the current menu, for diagnostics and tests. */
  menuLabels(): string[] {
    return this.items.map((item) => (item.type === 'separator' ? '---' : (item.label ?? '')));
  }

  isRunning(): boolean {
    return this.tray !== null;
  }

  stop(): void {
    this.unsubscribe?.();
    this.unsubscribe = null;
    this.tray?.destroy();
    this.tray = null;
  }

  private render(): void {
    if (!this.tray) return;
    const line = statusLine(this.status, this.error);
    const visible = this.options.window.isVisible();
    this.items = [
      { label: line, enabled: false },
      { type: 'separator' },
      visible
        ? { label: 'Hide Tessera', click: () => this.toggleWindow() }
        : { label: 'Show Tessera', click: () => this.toggleWindow() },
      { type: 'separator' },
      { label: 'Quit Tessera', click: () => this.options.quit() },
    ];
    this.tray.setToolTip(`Tessera — ${line}`);
    this.tray.setMenu(this.items);
  }
}
