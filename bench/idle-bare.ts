/**
 * The idle baseline (bench/idle.ts): a bare js-libp2p node — TCP, Noise, yamux, identify, the stack under
 * electron/core/mesh/node.ts without Tessera on top — listening on loopback and doing nothing, in its own process.
 * Prints {"addr"} once listening; stops on SIGTERM. With `--echo` it also answers /tessera-test/echo/1.0.0 by
 * sending back every byte it reads (a stock peer for tests/unit/mesh/noise-crypto.test.ts; the idle bench runs it
 * without).
 */
import { createLibp2p } from 'libp2p';
import { tcp } from '@libp2p/tcp';
import { noise } from '@chainsafe/libp2p-noise';
import { yamux } from '@chainsafe/libp2p-yamux';
import { identify } from '@libp2p/identify';

const node = await createLibp2p({
  addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
  transports: [tcp()],
  connectionEncrypters: [noise()],
  streamMuxers: [yamux()],
  services: { identify: identify() },
});
if (process.argv.includes('--echo')) {
  await node.handle('/tessera-test/echo/1.0.0', async (stream) => {
    for await (const chunk of stream) if (!stream.send(chunk)) await stream.onDrain();
    await stream.close();
  });
}
process.stdout.write(`${JSON.stringify({ addr: node.getMultiaddrs()[0]!.toString() })}\n`);
process.on('SIGTERM', () => void Promise.resolve(node.stop()).then(() => process.exit(0)));
