/**
 * A stranger's libp2p node for the mesh tests (run as its own process): its own random Ed25519 key, TCP + Noise +
 * yamux, no gate. Prints one JSON line per event on stdout.
 *
 *   node mesh-probe.ts dial <multiaddr-with-/p2p/> <protocol>   try to open a stream, report the outcome, exit
 *   node mesh-probe.ts listen <multiaddr>                        listen (e.g. on a friend's old address) and report
 *                                                                every inbound socket and every connection
 */
import { createLibp2p } from 'libp2p';
import { tcp } from '@libp2p/tcp';
import { noise } from '@chainsafe/libp2p-noise';
import { yamux } from '@chainsafe/libp2p-yamux';
import { multiaddr } from '@multiformats/multiaddr';

const [mode, address, protocol] = process.argv.slice(2);
const emit = (event: Record<string, unknown>): void => {
  process.stdout.write(JSON.stringify(event) + '\n');
};

if (mode === 'dial' && address && protocol) {
  const node = await createLibp2p({
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
  });
  try {
    const stream = await node.dialProtocol(multiaddr(address), protocol, {
      signal: AbortSignal.timeout(5000),
    });
    emit({ event: 'stream', peerId: node.peerId.toString(), protocol: stream.protocol });
  } catch (err) {
    emit({
      event: 'refused',
      peerId: node.peerId.toString(),
      error: err instanceof Error ? err.name : String(err),
    });
  }
  await node.stop();
} else if (mode === 'listen' && address) {
  const node = await createLibp2p({
    addresses: { listen: [address] },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    connectionManager: { inboundConnectionThreshold: 1000 },
    connectionGater: {
      denyInboundConnection: () => {
        emit({ event: 'socket' });
        return false;
      },
    },
  });
  node.addEventListener('connection:open', (e) =>
    emit({ event: 'connection', remotePeer: e.detail.remotePeer.toString() }),
  );
  await node.handle(['/tessera/pair/1.0.0'], (stream) => {
    emit({ event: 'handler' });
    stream.abort(new Error('impostor'));
  });
  emit({ event: 'listening', peerId: node.peerId.toString(), addresses: node.getMultiaddrs().map(String) });
  process.on('SIGTERM', () => {
    void Promise.resolve(node.stop()).then(() => process.exit(0));
  });
} else {
  console.error('usage: mesh-probe.ts dial <multiaddr> <protocol> | listen <multiaddr>');
  process.exit(2);
}
