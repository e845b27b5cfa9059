/**
 * A plain js-libp2p node for the benchmark peers: TCP + Noise + yamux, the stack the app uses (electron/core/mesh/node.ts),
 * with the given Ed25519 identity, listening on loopback, no gate, no discovery.
 */
import { createLibp2p } from 'libp2p';
import type { Libp2p } from 'libp2p';
import { tcp } from '@libp2p/tcp';
import { noise } from '@chainsafe/libp2p-noise';
import { yamux } from '@chainsafe/libp2p-yamux';
import { privateKeyFromRaw } from '@libp2p/crypto/keys';
import { concatBytes } from '../shared/crypto/bytes.ts';

export async function benchNode(signSeed: Uint8Array, signPublic: Uint8Array): Promise<Libp2p> {
  return createLibp2p({
    privateKey: privateKeyFromRaw(concatBytes(signSeed, signPublic)),
    addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    connectionManager: { inboundConnectionThreshold: 1000 },
  });
}
