/**
 * A stranger's libp2p node for the mesh tests (run as its own process): its own random Ed25519 key, TCP + Noise +
 * yamux, no gate. Prints one JSON line per event on stdout.
 *
 *   node mesh-probe.ts dial <multiaddr-with-/p2p/> <protocol>   try to open a stream, report the outcome, exit
 *   node mesh-probe.ts listen <multiaddr>                        listen (e.g. on a friend's old address) and report
 *                                                                every inbound socket and every connection
 *   node mesh-probe.ts oversize <invite code>                    become a real friend (MeshService, in-memory SQLite,
 *                                                                prints its own invite; waits for the other side to
 *                                                                accept it), then open a raw pairing stream and send a
 *                                                                length prefix of 10 MB with a few bytes behind it
 *   node mesh-probe.ts pending <invite code>                     print an invite and wait for "go" on stdin (by then
 *                                                                the other side has accepted it, but this side never
 *                                                                accepts theirs), then try a backup stream
 */
import { createLibp2p } from 'libp2p';
import { tcp } from '@libp2p/tcp';
import { noise } from '@chainsafe/libp2p-noise';
import { yamux } from '@chainsafe/libp2p-yamux';
import { multiaddr } from '@multiformats/multiaddr';
import { privateKeyFromRaw } from '@libp2p/crypto/keys';
import { peerIdFromString } from '@libp2p/peer-id';
import Database from 'better-sqlite3';
import { concatBytes } from '../../shared/crypto/bytes.ts';
import { generateIdentity } from '../../shared/crypto/identity.ts';
import { decodeInvite } from '../../shared/protocol/invite.ts';
import { encodePairMessage } from '../../shared/protocol/pairing.ts';
import { waitForOrNull } from '../helpers/wait-for.ts';
import { migration002Friends } from '../../electron/core/store/migrations/002_friends.ts';
import { migration009FriendNames } from '../../electron/core/store/migrations/009_friend_names.ts';
import { MeshService } from '../../electron/core/mesh/mesh-service.ts';
import { readConfig } from '../../electron/core/config.ts';

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
} else if (mode === 'oversize' && address) {
  const db = new Database(':memory:');
  migration002Friends.up(db);
  migration009FriendNames.up(db); // friends as the app stores them (nicknames, former friends)
  const keys = generateIdentity();
  const mesh = new MeshService(
    db,
    { changed: () => {} },
    { listen: ['/ip4/127.0.0.1/tcp/0'], config: { ...readConfig(), mdns: false, meshRetryMs: 200 } },
  );
  await mesh.start(keys, 'Probe');
  const first = await mesh.pair(address);
  emit({ event: 'invite', code: mesh.invite(60).code, peerId: mesh.peerId(), state: first.state });
  const friend = await waitForOrNull('the pairing to complete', () => mesh.list()[0], 20_000, 100);
  emit({ event: friend ? 'paired' : 'not-paired' });
  await mesh.stop();
  if (friend) {
    // Same key, no gate, raw bytes: the friend's gate admits us, so only its frame cap can stop this.
    const node = await createLibp2p({
      privateKey: privateKeyFromRaw(concatBytes(keys.signSeed, keys.signPublic)),
      transports: [tcp()],
      connectionEncrypters: [noise()],
      streamMuxers: [yamux()],
    });
    await node.peerStore.merge(peerIdFromString(friend.peerId), {
      multiaddrs: friend.addresses.map((a) => multiaddr(a)),
    });
    const stream = await node.dialProtocol(peerIdFromString(friend.peerId), '/tessera/pair/1.0.0', {
      signal: AbortSignal.timeout(5000),
    });
    const started = Date.now();
    // varint(10_000_000) = 80 ad e2 04, then 100 bytes of a frame that would be 10 MB long.
    stream.send(concatBytes(Uint8Array.of(0x80, 0xad, 0xe2, 0x04), new Uint8Array(100)));
    let received = 0;
    try {
      for await (const chunk of stream) received += chunk.byteLength;
    } catch {
      // a reset is what we expect
    }
    emit({ event: 'oversize', status: stream.status, received, ms: Date.now() - started });
    await node.stop();
  }
} else if (mode === 'pending' && address) {
  const db = new Database(':memory:');
  migration002Friends.up(db);
  migration009FriendNames.up(db); // friends as the app stores them (nicknames, former friends)
  const keys = generateIdentity();
  const mesh = new MeshService(
    db,
    { changed: () => {} },
    { listen: ['/ip4/127.0.0.1/tcp/0'], config: { ...readConfig(), mdns: false } },
  );
  await mesh.start(keys, 'Probe');
  emit({ event: 'invite', code: mesh.invite(60).code, peerId: mesh.peerId() });
  await new Promise<void>((resolve) => process.stdin.once('data', () => resolve()));
  await mesh.stop();
  const target = decodeInvite(address);
  const node = await createLibp2p({
    privateKey: privateKeyFromRaw(concatBytes(keys.signSeed, keys.signPublic)),
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
  });
  await node.peerStore.merge(peerIdFromString(target.peerId), {
    multiaddrs: target.addresses.map((a) => multiaddr(a)),
  });
  for (const protocol of ['/tessera/backup/1.0.0', '/tessera/pair/1.0.0']) {
    let received = 0;
    let status = 'no-stream';
    try {
      const stream = await node.dialProtocol(peerIdFromString(target.peerId), protocol, {
        signal: AbortSignal.timeout(5000),
      });
      // A pairing hello naming an invite the other side never issued: it answers with a refusal.
      const hello = encodePairMessage({ t: 1, li: new Uint8Array(32) });
      stream.send(concatBytes(Uint8Array.of(hello.length), hello));
      for await (const chunk of stream) received += chunk.byteLength;
      status = stream.status;
    } catch (err) {
      status = `error: ${err instanceof Error ? err.name : String(err)}`;
    }
    emit({ event: 'tried', protocol, status, received });
  }
  await node.stop();
} else {
  console.error(
    'usage: mesh-probe.ts dial <multiaddr> <protocol> | listen <multiaddr> | oversize <invite> | pending <invite>',
  );
  process.exit(2);
}
