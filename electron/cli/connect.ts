import { createClient, localBridge } from '../../shared/api/client.ts';
import type { TesseraClient } from '../../shared/api/client.ts';
import { TesseraCore } from '../core/core.ts';
import { dataDirInUse } from '../core/data-dir-lock.ts';
import { readApiEndpoint } from '../host/api-endpoint-file.ts';
import { createHttpBridge } from './http-bridge.ts';
import { ServeUnreachableError, openVerifiedSocket } from './verified-socket.ts';
import { TesseraError, UnknownFriendError } from '../../shared/errors.ts';
import { ensureUnlocked } from './unlock.ts';

export interface Connection {
  client: TesseraClient;
  /** 'daemon': a running `tessera serve` answers; 'direct': this process opened the data dir itself. */
  mode: 'daemon' | 'direct';
  close(): Promise<void>;
}

export class NoDaemonError extends TesseraError {
  constructor(dataDir: string) {
    super(
      'NO_DAEMON',
      `No \`tessera serve\` is running for ${dataDir}. Start it with \`tessera serve --data ${dataDir}\` and try again.`,
    );
  }
}

/**
 * Talks to the `serve` that holds the data dir if one runs; otherwise, when `allowDirect`, opens the store in this
 * process. Either way every command goes through the same contract and the same dispatcher.
 *
 * The endpoint file is only a hint: its port is contacted only while some process holds the data dir's lock, and
 * only a listener that proves it holds the token (the hello of host/api-hello.ts) ever receives the token or a
 * passphrase. Anything else listening there is refused with ServeImpostorError (SECURITY.md, local API).
 */
export async function connect(dataDir: string, options: { allowDirect: boolean }): Promise<Connection> {
  const endpoint = readApiEndpoint(dataDir);
  if (endpoint && dataDirInUse(dataDir)) {
    try {
      // Checked once up front for a clear error; every later connection is verified again on its own.
      (await openVerifiedSocket(endpoint)).destroy();
      const bridge = createHttpBridge(endpoint);
      return { client: createClient(bridge), mode: 'daemon', close: async () => bridge.close() };
    } catch (err) {
      // Nothing listens: the holder is the app or a one-shot command (or a serve still starting), not a serve.
      if (!(err instanceof ServeUnreachableError)) throw err;
    }
  }
  if (!options.allowDirect) throw new NoDaemonError(dataDir);
  const core = await TesseraCore.open({ dataDir });
  return { client: createClient(localBridge(core)), mode: 'direct', close: () => core.close() };
}

/**
 * Runs `fn` with a client for the data dir (the running serve; the core in-process too when `allowDirect`),
 * unlocking first when `unlock`, and closes the connection afterwards.
 */
export async function withClient(
  dataDir: string,
  options: { allowDirect: boolean; unlock: boolean },
  fn: (client: TesseraClient) => Promise<void>,
): Promise<void> {
  const conn = await connect(dataDir, { allowDirect: options.allowDirect });
  try {
    if (options.unlock) await ensureUnlocked(conn.client);
    await fn(conn.client);
  } finally {
    await conn.close();
  }
}

/** The one friend called `nameOrId` (a name or a peer ID), or UnknownFriendError. */
export function resolveFriend<F extends { name: string; peerId: string }>(friends: F[], nameOrId: string): F {
  const [match, ...others] = friends.filter((f) => f.name === nameOrId || f.peerId === nameOrId);
  if (!match || others.length > 0) throw new UnknownFriendError(nameOrId);
  return match;
}
