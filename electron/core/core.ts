import { ensureDataDir } from './data-dir.ts';
import { QuietCollector, tuneGarbageCollection } from './gc-tuning.ts';
import { DataDirLock } from './data-dir-lock.ts';
import { EventBus } from './event-bus.ts';
import { dispatch } from './dispatcher.ts';
import { openServices } from './services.ts';
import { readConfig, systemClock } from './config.ts';
import type { Clock, CoreConfig } from './config.ts';
import type { Services } from './services.ts';
import type { KeyProtectorFactory } from './vault/key-protector.ts';
import type { Envelope } from '../../shared/api/contract.ts';
import type { TesseraEvent } from '../../shared/api/events.ts';

export interface CoreOptions {
  dataDir: string;
  /** libp2p listen multiaddrs for the mesh; the mesh picks a LAN-friendly default when absent. */
  listen?: string[];
  /** Relay for friends in this run (`tessera serve --relay`); absent: TESSERA_RELAY, else the saved setting. */
  relay?: boolean;
  /**
   * The desktop shell's OS keychain (safeStorage). Given the backend name the vault recorded (or null), returns a
   * protector or throws why it cannot; absent under plain Node.
   */
  keyProtector?: KeyProtectorFactory;
  /** The Electron shell runs this core: it has a window, a tray and a login item (false for `tessera serve`). */
  desktop?: boolean;
  /** The tunables; absent: read from the TESSERA_* variables of the environment, once, here. */
  config?: CoreConfig;
  clock?: Clock;
}

/**
 * Tessera's core: everything behind the API contract, runnable under plain Node. Adapters (Electron IPC, the
 * headless host, the CLI) only call `dispatch` and `subscribe`.
 */
export class TesseraCore {
  readonly dataDir: string;
  readonly events = new EventBus();
  private readonly lock: DataDirLock;
  private services: Services | null = null;
  private closed = false;
  /** Returns what a burst of work grew of V8's heap once things go quiet (gc-tuning.ts). */
  private readonly quiet = new QuietCollector();

  private constructor(dataDir: string, lock: DataDirLock) {
    this.dataDir = dataDir;
    this.lock = lock;
  }

  static async open(options: CoreOptions): Promise<TesseraCore> {
    const config = options.config ?? readConfig();
    tuneGarbageCollection();
    const dataDir = ensureDataDir(options.dataDir);
    const lock = DataDirLock.acquire(dataDir);
    const core = new TesseraCore(dataDir, lock);
    try {
      core.services = await openServices({
        dataDir,
        events: core.events,
        listen: options.listen ?? null,
        relay: options.relay ?? null,
        keyProtector: options.keyProtector ?? null,
        desktop: options.desktop ?? false,
        config,
        clock: options.clock ?? systemClock,
      });
    } catch (err) {
      core.quiet.close();
      lock.release();
      throw err;
    }
    return core;
  }

  dispatch(op: unknown, input: unknown): Promise<Envelope<unknown>> {
    if (!this.services || this.closed) {
      return Promise.resolve({
        ok: false,
        error: { code: 'INTERNAL', message: 'Tessera is shutting down.' },
      });
    }
    return dispatch(this.services.handlers, op, input);
  }

  subscribe(listener: (event: TesseraEvent) => void): () => void {
    return this.events.subscribe(listener);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.quiet.close();
    await this.services?.close();
    this.lock.release();
  }
}
