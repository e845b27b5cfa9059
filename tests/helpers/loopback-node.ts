/**
 * A mesh node (electron/core/mesh/node.ts, the app's libp2p stack) with a fresh identity, listening on loopback only,
 * without mDNS, behind a gate the test fills: for unit tests that talk to real peer processes.
 */
import { createMeshNode } from '../../electron/core/mesh/node.ts';
import type { MeshNode } from '../../electron/core/mesh/node.ts';
import { connectionGater } from '../../electron/core/mesh/gater.ts';
import type { PeerGate } from '../../electron/core/mesh/gater.ts';
import { generateIdentity } from '../../shared/crypto/identity.ts';

export function startLoopbackNode(gate: PeerGate, options: { keepAliveMs?: number } = {}): Promise<MeshNode> {
  const keys = generateIdentity();
  return createMeshNode({
    signSeed: keys.signSeed,
    signPublic: keys.signPublic,
    listen: ['/ip4/127.0.0.1/tcp/0'],
    gater: connectionGater(gate, { loopbackOnly: true }),
    mdns: false,
    loopbackOnly: true,
    ...options,
  });
}
