import { startServe } from './serve-process.ts';
import type { ServeProcess, ServeOptions } from './serve-process.ts';

export const TEST_PASSPHRASE = 'correct horse battery staple';

/** Fast retries for tests; mDNS off so loopback tests do not see each other's unrelated nodes. */
export const FAST_MESH_ENV = {
  TESSERA_MDNS: '0',
  TESSERA_MESH_RETRY_MS: '300',
  TESSERA_RECONCILE_MS: '500',
  TESSERA_PASSPHRASE: TEST_PASSPHRASE,
};

/** Polls `fn` until it returns a truthy value; fails naming `what` after `ms`. */
export async function until<T>(
  what: string,
  fn: () => Promise<T | null | undefined | false>,
  ms = 30_000,
): Promise<T> {
  const deadline = Date.now() + ms;
  let lastError: unknown = null;
  for (;;) {
    try {
      const value = await fn();
      if (value) return value;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `timed out after ${ms} ms waiting for ${what}${lastError ? ` (last error: ${String(lastError)})` : ''}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

export interface Peer {
  name: string;
  serve: ServeProcess;
  peerId: string;
  /** Where its mesh listens; a restart reuses it so friends find it again (as a real install keeps its port). */
  listen: string;
}

/** A running node with a vault, started fresh or from an existing data dir (unlocked by TESSERA_PASSPHRASE). */
export async function startPeer(name: string, options: ServeOptions = {}): Promise<Peer> {
  const serve = await startServe({ ...options, env: { ...FAST_MESH_ENV, ...options.env } });
  let status = await serve.client.call('app.status', {});
  if (status.state === 'empty') {
    status = await serve.client.call('vault.create', { name, passphrase: TEST_PASSPHRASE });
  }
  const addresses = await until(`${name}'s mesh to listen`, async () => {
    const a = (await serve.client.call('app.status', {})).addresses;
    return a.length > 0 ? a : null;
  });
  return { name, serve, peerId: status.identity?.peerId ?? '', listen: addresses[0] as string };
}

/** Both people accept each other's invite; resolves once each lists the other as a friend. */
export async function pair(a: Peer, b: Peer): Promise<void> {
  const inviteA = await a.serve.client.call('friends.invite', {});
  const inviteB = await b.serve.client.call('friends.invite', {});
  await a.serve.client.call('friends.pair', { code: inviteB.code });
  await b.serve.client.call('friends.pair', { code: inviteA.code });
  await until(`${a.name} and ${b.name} to be friends`, async () => {
    const [fa, fb] = await Promise.all([
      a.serve.client.call('friends.list', {}),
      b.serve.client.call('friends.list', {}),
    ]);
    return fa.some((f) => f.peerId === b.peerId) && fb.some((f) => f.peerId === a.peerId);
  });
}

/** Accepts the pending holding request from `owner` on `custodian`. */
export async function acceptHolding(custodian: Peer, owner: Peer): Promise<void> {
  const id = `holding:${owner.peerId}`;
  await until(`${custodian.name} to see ${owner.name}'s request`, async () =>
    (await custodian.serve.client.call('requests.list', {})).some((r) => r.id === id),
  );
  await custodian.serve.client.call('requests.accept', { id });
}
