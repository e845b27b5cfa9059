/**
 * A real peer process for the custodian benchmarks: a libp2p node (TCP, Noise, yamux — the app's own node factory)
 * with the identity of one of the custodian's owners, speaking the app's backup protocol through the app's
 * conversation code. Driven over IPC by bench/custodian-scale.ts:
 *   { cmd: 'probe' }            dial + challenge until a valid proof comes back; answers the wall-clock time
 *   { cmd: 'health', n }        n health checks (new stream each, as the owner does); answers the latencies in ms
 */
import { multiaddr } from '@multiformats/multiaddr';
import { peerIdFromString } from '@libp2p/peer-id';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { randomBytes } from 'node:crypto';
import { benchNode } from './libp2p-node.ts';
import { openConversation } from '../electron/core/mesh/rpc.ts';
import { identityFromSecrets } from '../shared/crypto/identity.ts';
import { equalBytes, fromHex } from '../shared/crypto/bytes.ts';
import { encodeBackupMessage, expectBackupMessage } from '../shared/protocol/backup.ts';
import type { FixtureOwner } from './custodian-fixture.ts';
import { waitFor } from '../tests/helpers/wait-for.ts';

const config = JSON.parse(process.argv[2] ?? '{}') as {
  owner: FixtureOwner;
  custodian: string;
  address: string;
};
const me = identityFromSecrets(fromHex(config.owner.signSeed), fromHex(config.owner.boxSecret));
const sealed = fromHex(config.owner.sealedEnvelope);
const node = await benchNode(me.signSeed, me.signPublic);
await node.peerStore.merge(peerIdFromString(config.custodian), { multiaddrs: [multiaddr(config.address)] });

async function challenge(timeoutMs: number): Promise<boolean> {
  const conv = await openConversation(node, config.custodian, 'backup', { timeoutMs });
  try {
    const nonce = new Uint8Array(randomBytes(32));
    await conv.send(encodeBackupMessage({ t: 'challenge', nonce }));
    const proof = expectBackupMessage(await conv.receive(), 'proof');
    return proof.t === 'proof' && proof.held && equalBytes(proof.mac, hmac(sha256, nonce, sealed));
  } finally {
    await conv.close();
  }
}

process.on('message', (m: { cmd: string; n?: number }) => {
  void (async () => {
    if (m.cmd === 'probe') {
      // A challenge that fails or throws means the custodian is not serving yet.
      await waitFor('the custodian to answer a health check', () => challenge(2_000), 120_000, 10);
      process.send!({ cmd: 'probe', at: Date.now() });
    } else if (m.cmd === 'health') {
      const times: number[] = [];
      let bad = 0;
      for (let i = 0; i < (m.n ?? 100); i++) {
        const t0 = performance.now();
        if (!(await challenge(10_000))) bad++;
        times.push(performance.now() - t0);
      }
      process.send!({ cmd: 'health', times, bad });
    } else if (m.cmd === 'stop') {
      await node.stop();
      process.exit(0);
    }
  })().catch((err: unknown) => {
    process.send!({ cmd: 'error', message: String(err) });
  });
});
process.send!({ cmd: 'ready' });
