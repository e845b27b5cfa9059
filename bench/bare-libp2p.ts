/**
 * The fan-out baseline: js-libp2p's own throughput with a bare protocol that only moves bytes, in separate
 * processes like the app (same node factory: TCP, Noise, yamux; no gate). Run as a child:
 *   receiver            listens; prints {"addr"}; reads each stream to its end and answers the byte count (8 bytes)
 *   sender <json>       { targets: [addr], bytes, frame }: sends `bytes` to every target at once, in `frame`-sized
 *                       writes honouring backpressure; prints {"ms", "cpuMs"} once every receiver has answered
 *                       (cpuMs: this process's CPU time during the transfer)
 */
import { multiaddr } from '@multiformats/multiaddr';
import { randomBytes } from 'node:crypto';
import { generateIdentity } from '../shared/crypto/identity.ts';
import { benchNode } from './libp2p-node.ts';

const PROTOCOL = '/tessera-bench/bytes/1.0.0';
const mode = process.argv[2];
const me = generateIdentity();
const node = await benchNode(me.signSeed, me.signPublic);

if (mode === 'receiver') {
  await node.handle(
    PROTOCOL,
    async (stream) => {
      let n = 0;
      for await (const chunk of stream) n += chunk.byteLength;
      const out = new Uint8Array(8);
      new DataView(out.buffer).setBigUint64(0, BigInt(n));
      stream.send(out);
      await stream.close();
    },
    { maxInboundStreams: 8 },
  );
  process.stdout.write(`${JSON.stringify({ addr: node.getMultiaddrs()[0]!.toString() })}\n`);
  process.on('SIGTERM', () => void Promise.resolve(node.stop()).then(() => process.exit(0)));
} else {
  const { targets, bytes, frame } = JSON.parse(process.argv[3] ?? '{}') as {
    targets: string[];
    bytes: number;
    frame: number;
  };
  const payload = new Uint8Array(randomBytes(frame));
  // Connect first (the app's connections are also up before a deposit), then time the transfer.
  const streams = await Promise.all(targets.map((t) => node.dialProtocol(multiaddr(t), PROTOCOL)));
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  await Promise.all(
    streams.map(async (stream) => {
      let sent = 0;
      while (sent < bytes) {
        const n = Math.min(frame, bytes - sent);
        if (!stream.send(n === frame ? payload : payload.subarray(0, n))) await stream.onDrain();
        sent += n;
      }
      await stream.close();
      let answer = 0n;
      for await (const chunk of stream) {
        const b = chunk.subarray();
        answer = new DataView(b.buffer, b.byteOffset, 8).getBigUint64(0);
      }
      if (Number(answer) !== bytes) throw new Error(`receiver got ${answer} of ${bytes} bytes`);
    }),
  );
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  process.stdout.write(`${JSON.stringify({ ms, cpuMs: (cpu.user + cpu.system) / 1000 })}\n`);
  await node.stop();
  process.exit(0);
}
