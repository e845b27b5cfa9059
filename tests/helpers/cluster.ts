import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { startServe } from './serve-process.ts';
import { waitFor } from './wait-for.ts';
import type { TesseraClient } from '../../shared/api/client.ts';
import type { ServeProcess, ServeOptions } from './serve-process.ts';

export const TEST_PASSPHRASE = 'correct horse battery staple';

/** Fast retries for tests; mDNS off so loopback tests do not see each other's unrelated nodes. */
export const FAST_MESH_ENV = {
  TESSERA_MDNS: '0',
  // A small deposit budget, so deposits that overlap in the tests wait for each other (and a leak would stall them).
  TESSERA_DEPOSIT_BUDGET_MIB: '1',
  TESSERA_MESH_RETRY_MS: '300',
  TESSERA_RECONCILE_MS: '500',
  TESSERA_PASSPHRASE: TEST_PASSPHRASE,
};

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Anything a test drives through the API: a person's name, their peer ID and a client of their node. */
export interface Participant {
  name: string;
  peerId: string;
  client: TesseraClient;
}

export interface Peer extends Participant {
  serve: ServeProcess;
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
  const addresses = await waitFor(`${name}'s mesh to listen`, async () => {
    const a = (await serve.client.call('app.status', {})).addresses;
    return a.length > 0 ? a : null;
  });
  return {
    name,
    serve,
    client: serve.client,
    peerId: status.identity?.peerId ?? '',
    listen: addresses[0] as string,
  };
}

/** The paths of the files in a directory of a peer's data dir (`held-packs`, `backup-packs`), or none. */
export function dataDirFiles(peer: Peer, dir: string): string[] {
  const path = join(peer.serve.dataDir, dir);
  try {
    return readdirSync(path).map((f) => join(path, f));
  } catch {
    return [];
  }
}

/**
 * The peers one test file runs: started, or started again on a stopped peer's data dir and address (`before`),
 * stopped one at a time, and all stopped by stopAll() (for `after`).
 */
export class PeerRoster {
  private readonly running: Peer[] = [];

  async start(name: string, before?: Peer): Promise<Peer> {
    const peer = await startPeer(
      name,
      before ? { dataDir: before.serve.dataDir, listen: before.listen } : {},
    );
    this.running.push(peer);
    return peer;
  }

  /** Stops a peer; returns what start() needs to bring it back. */
  async stop(peer: Peer): Promise<Peer> {
    this.running.splice(this.running.indexOf(peer), 1);
    await peer.serve.stop();
    return { ...peer };
  }

  async stopAll(): Promise<void> {
    await Promise.all(this.running.map((p) => p.serve.stop()));
  }
}

/**
 * Both people accept each other's invite, then compare the code their screens show and confirm it (PROTOCOL §8.5),
 * as people do before asking each other to hold a piece. Resolves once both are verified friends.
 */
export async function pair(a: Participant, b: Participant): Promise<void> {
  await pairUnverified(a, b);
  await confirmCodes(a, b);
}

/** Compares codes (the two screens must show the same six digits) and confirms them on both sides. */
export async function confirmCodes(a: Participant, b: Participant): Promise<void> {
  const [ca, cb] = await waitFor(`${a.name} and ${b.name} to have compared codes`, async () => {
    const [fa, fb] = await Promise.all([
      a.client.call('friends.list', {}),
      b.client.call('friends.list', {}),
    ]);
    const ca = fa.find((f) => f.peerId === b.peerId)?.comparisonCode;
    const cb = fb.find((f) => f.peerId === a.peerId)?.comparisonCode;
    return ca && cb && ca === cb ? [ca, cb] : null;
  });
  if (ca !== cb) throw new Error(`the two screens disagree: ${ca} and ${cb}`);
  await a.client.call('friends.confirm', { peerId: b.peerId, match: true });
  await b.client.call('friends.confirm', { peerId: a.peerId, match: true });
}

/** Both people accept each other's invite; resolves once each lists the other as a friend (codes not compared). */
export async function pairUnverified(a: Participant, b: Participant): Promise<void> {
  const inviteA = await a.client.call('friends.invite', {});
  const inviteB = await b.client.call('friends.invite', {});
  await a.client.call('friends.pair', { code: inviteB.code });
  await b.client.call('friends.pair', { code: inviteA.code });
  await waitFor(`${a.name} and ${b.name} to be friends`, async () => {
    const [fa, fb] = await Promise.all([
      a.client.call('friends.list', {}),
      b.client.call('friends.list', {}),
    ]);
    return fa.some((f) => f.peerId === b.peerId) && fb.some((f) => f.peerId === a.peerId);
  });
}

/** Accepts the pending holding request from `owner` (a participant or a peer ID) on `custodian`. */
export async function acceptHolding(custodian: Participant, owner: Participant | string): Promise<void> {
  const ownerPeerId = typeof owner === 'string' ? owner : owner.peerId;
  const id = `holding:${ownerPeerId}`;
  await waitFor(`${custodian.name} to see the holding request`, async () =>
    (await custodian.client.call('requests.list', {})).some((r) => r.id === id),
  );
  await custodian.client.call('requests.accept', { id });
}
