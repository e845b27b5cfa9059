/**
 * Test-only helpers for the adversarial suite (tests/adversarial): real `tessera serve` peers that pair through the
 * HTTP API, and a way to turn one of them into an in-process libp2p node under the test's control ("a malicious
 * friend"): pair a serve, stop it, read its identity keys from its vault with the passphrase, and start a js-libp2p
 * node with the same key. The victim then sees a real, paired friend whose every byte the test chooses.
 */
import { databasePath, Store } from '../../electron/core/store/store.ts';
import { VaultService } from '../../electron/core/vault/vault-service.ts';
import { createMeshNode } from '../../electron/core/mesh/node.ts';
import type { MeshNode } from '../../electron/core/mesh/node.ts';
import type { IdentityKeys } from '../../shared/crypto/identity.ts';
import { startServe } from './serve-process.ts';
import type { ServeOptions, ServeProcess } from './serve-process.ts';
import { waitFor } from './wait-for.ts';
import type { Participant } from './cluster.ts';

export { acceptHolding, confirmCodes, pair, pairUnverified, sleep } from './cluster.ts';

export const ADV_PASSPHRASE = 'adversarial suite passphrase';

/** mDNS off (loopback peers of other tests stay apart), fast retries, auto-unlock with the passphrase. */
export const ADV_ENV: Record<string, string> = {
  TESSERA_MDNS: '0',
  TESSERA_MESH_RETRY_MS: '300',
  TESSERA_RECONCILE_MS: '500',
  TESSERA_MESH_LOG: '1',
  TESSERA_PASSPHRASE: ADV_PASSPHRASE,
};

export interface AdvPeer extends Participant {
  serve: ServeProcess;
}

/** A running serve with an unlocked vault (created on first start). */
export async function startPeer(name: string, options: ServeOptions = {}): Promise<AdvPeer> {
  const serve = await startServe({ ...options, env: { ...ADV_ENV, ...options.env } });
  let status = await serve.client.call('app.status', {});
  if (status.state === 'empty')
    status = await serve.client.call('vault.create', { name, passphrase: ADV_PASSPHRASE });
  else if (status.state === 'locked') {
    await serve.client.call('vault.unlock', { passphrase: ADV_PASSPHRASE });
    status = await serve.client.call('app.status', {});
  }
  await waitFor(
    `${name}'s mesh to listen`,
    async () => (await serve.client.call('app.status', {})).addresses.length > 0,
  );
  return { name, serve, client: serve.client, peerId: status.identity?.peerId ?? '' };
}

/**
 * Reads the identity key pairs of a stopped peer's data dir by opening its vault with the passphrase (the keys are
 * stored sealed under the vault key). The caller wipes them when done.
 */
export async function loadIdentityKeys(dataDir: string, passphrase = ADV_PASSPHRASE): Promise<IdentityKeys> {
  const store = Store.open(databasePath(dataDir));
  const vault = new VaultService(store, { changed: () => {} });
  try {
    await vault.unlock(passphrase);
    return vault.identityKeys();
  } finally {
    vault.close();
    store.close();
  }
}

/**
 * A libp2p node with a friend's identity key and Tessera's transport stack (TCP, Noise, yamux) but no gate and no
 * handlers: the test drives it. Listens on loopback only.
 */
export async function startFriendNode(keys: IdentityKeys): Promise<MeshNode> {
  return createMeshNode({
    signSeed: keys.signSeed,
    signPublic: keys.signPublic,
    listen: ['/ip4/127.0.0.1/tcp/0'],
    gater: {},
    mdns: false,
  });
}

/** The first TCP multiaddr (with /p2p/) a serve listens on. */
export async function dialAddress(peer: AdvPeer): Promise<string> {
  const status = await peer.serve.client.call('app.status', {});
  const addr = status.addresses.find((a) => a.startsWith('/ip4/127.0.0.1/tcp/'));
  if (!addr) throw new Error(`${peer.name} has no loopback address`);
  return `${addr}/p2p/${peer.peerId}`;
}
