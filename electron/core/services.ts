import { APP_VERSION } from './version.ts';
import { TesseraError } from '../../shared/errors.ts';
import type { EventBus } from './event-bus.ts';
import type { Handlers } from './dispatcher.ts';

export interface ServiceContext {
  dataDir: string;
  events: EventBus;
  /** libp2p listen multiaddrs from `--listen`, or null for the default. */
  listen: string[] | null;
}

export interface Services {
  handlers: Handlers;
  close(): Promise<void>;
}

function notBuilt(op: string): never {
  throw new TesseraError('INTERNAL', `${op} is not available in this build yet.`);
}

/** Opens every service of a data dir and maps each contract operation to the service that implements it. */
export async function openServices(ctx: ServiceContext): Promise<Services> {
  const handlers: Handlers = {
    'app.status': () => ({
      version: APP_VERSION,
      dataDir: ctx.dataDir,
      state: 'empty',
      identity: null,
      addresses: [],
      friends: 0,
      holdingFor: 0,
      pendingRequests: 0,
    }),
    'vault.create': () => notBuilt('vault.create'),
    'vault.unlock': () => notBuilt('vault.unlock'),
    'vault.lock': () => notBuilt('vault.lock'),
    'vault.changePassphrase': () => notBuilt('vault.changePassphrase'),
    'items.list': () => notBuilt('items.list'),
    'items.get': () => notBuilt('items.get'),
    'items.create': () => notBuilt('items.create'),
    'items.update': () => notBuilt('items.update'),
    'items.delete': () => notBuilt('items.delete'),
  };
  return { handlers, close: async () => {} };
}
