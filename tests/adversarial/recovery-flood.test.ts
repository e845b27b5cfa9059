/**
 * The recovery session is no open door (SECURITY.md, "Someone who saw a code"; PROTOCOL §11.2–11.3). A new device
 * runs a real `tessera serve` recovery session; real libp2p nodes in this process play strangers on the LAN:
 *   - first frames under the protocol's cap but over the first-frame cap (6 MB) end the stream before they are read
 *     (a short refusal at most), and the session's memory stays bounded (figures printed);
 *   - a hello with a wrong proof and a knock from a peer that never said hello are refused;
 *   - 40 fresh peer IDs that hold the code say hello: the session keeps at most 32 senders;
 *   - a sender the person rejected is refused when it comes back.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { multiaddr } from '@multiformats/multiaddr';
import { peerIdFromString } from '@libp2p/peer-id';
import type { Stream } from '@libp2p/interface';
import { generateIdentity } from '../../shared/crypto/identity.ts';
import { decodeRecoveryCode, possessionProof } from '../../shared/protocol/recovery-code.ts';
import type { DecodedRecoveryCode } from '../../shared/protocol/recovery-code.ts';
import { decodeRecoveryMessage, encodeRecoveryMessage } from '../../shared/protocol/recovery.ts';
import { PROTOCOLS } from '../../shared/protocol/protocols.ts';
import { decodeCanonical, encodeCanonical } from '../../shared/formats/cbor.ts';
import { lpStream } from '@libp2p/utils';
import { createMeshNode } from '../../electron/core/mesh/node.ts';
import type { MeshNode } from '../../electron/core/mesh/node.ts';
import { openConversation } from '../../electron/core/mesh/rpc.ts';
import { RecoveryRefusedError, sayHello } from '../../electron/core/recovery/custodian-protocol.ts';
import { MAX_SENDERS } from '../../electron/core/recovery/session-service.ts';
import { startServe } from '../helpers/serve-process.ts';
import type { ServeProcess } from '../helpers/serve-process.ts';
import { FAST_MESH_ENV, TEST_PASSPHRASE, sleep } from '../helpers/cluster.ts';
import { figure, reportFor, rssKiB, scale } from './report.ts';

reportFor('recovery-flood');

let device: ServeProcess;
let code: DecodedRecoveryCode;

before(async () => {
  device = await startServe({ env: FAST_MESH_ENV });
  const started = await device.client.call('recovery.start', { passphrase: TEST_PASSPHRASE });
  code = decodeRecoveryCode(started.code);
});
after(async () => {
  await device.stop();
});

/** A stranger: a real libp2p node with a fresh key that knows the session's address from the code. */
async function stranger(keys = generateIdentity()): Promise<{ node: MeshNode; signPublic: Uint8Array }> {
  const node = await createMeshNode({
    signSeed: keys.signSeed,
    signPublic: keys.signPublic,
    listen: ['/ip4/127.0.0.1/tcp/0'],
    gater: {},
    mdns: false,
    loopbackOnly: true,
  });
  await node.peerStore.merge(peerIdFromString(code.peerId), {
    multiaddrs: code.addresses.map((a) => multiaddr(a)),
  });
  return { node, signPublic: keys.signPublic };
}

function uvarint(n: number): Uint8Array {
  const out: number[] = [];
  while (n >= 0x80) {
    out.push((n % 0x80) | 0x80);
    n = Math.floor(n / 0x80);
  }
  out.push(n);
  return Uint8Array.from(out);
}

/** Writes raw bytes on a recovery stream; returns what came back and how the stream ended. */
async function raw(node: MeshNode, bytes: Uint8Array[]): Promise<{ replied: number; status: string }> {
  const stream: Stream = await node.dialProtocol(peerIdFromString(code.peerId), PROTOCOLS.recovery, {
    signal: AbortSignal.timeout(5_000),
  });
  let replied = 0;
  const reading = (async () => {
    try {
      for await (const chunk of stream) replied += chunk.byteLength;
    } catch {
      // reset by the session
    }
  })();
  try {
    for (const b of bytes) if (!stream.send(b)) await stream.onDrain({ signal: AbortSignal.timeout(5_000) });
    await stream.close({ signal: AbortSignal.timeout(5_000) });
  } catch {
    // the session may reset while we write
  }
  await Promise.race([reading, sleep(5_000)]);
  const status = stream.status;
  if (status === 'open' || status === 'closing') stream.abort(new Error('test done'));
  return { replied, status };
}

test('first frames over the first-frame cap end unread; the session memory stays bounded', async () => {
  const rounds = scale(20, 100);
  const { node } = await stranger();
  try {
    const junk = new Uint8Array(256 * 1024).fill(0x41);
    const before = await rssKiB(device.pid);
    let reset = 0;
    for (let i = 0; i < rounds; i++) {
      // 6,000,000 bytes: under the protocol's message cap (a full manifest), over the 512-byte first frame.
      const r = await raw(node, [uvarint(6_000_000), junk]);
      // At most a short refusal naming the cap: the frame itself is never read or buffered whole.
      assert.ok(r.replied < 512, `answered ${r.replied} bytes`);
      if (r.status !== 'open') reset++;
    }
    await sleep(500);
    const afterRss = await rssKiB(device.pid);
    figure('oversize first frames sent (6 MB prefix + 256 KiB)', rounds);
    figure('streams ended unread (a short refusal at most)', reset);
    figure(
      'session RSS before / after (MiB)',
      `${(before / 1024).toFixed(1)} / ${(afterRss / 1024).toFixed(1)}`,
    );
    assert.equal(reset, rounds);
    assert.ok((afterRss - before) / 1024 < 64, `RSS grew by ${((afterRss - before) / 1024).toFixed(1)} MiB`);
  } finally {
    await node.stop();
  }
});

test('a hello with a wrong proof and a knock without a hello are refused', async () => {
  const { node, signPublic } = await stranger();
  try {
    const conv = await openConversation(node, code.peerId, 'recovery', { timeoutMs: 10_000 });
    await assert.rejects(
      sayHello(conv, new Uint8Array(32).fill(1), 'Mallory', {
        initiator: signPublic,
        responder: code.signPublic,
      }),
      (e: Error) => e instanceof RecoveryRefusedError && /does not match this recovery/.test(e.message),
    );
    await conv.close();
    const knock = await openConversation(node, code.peerId, 'recovery', { timeoutMs: 10_000 });
    await knock.send(encodeRecoveryMessage({ t: 'knock', q: possessionProof(code) }));
    const answer = decodeRecoveryMessage(await knock.receive());
    await knock.close();
    assert.equal(answer.t, 'refused');
    assert.match(answer.t === 'refused' ? answer.reason : '', /say hello first/);
  } finally {
    await node.stop();
  }
  const status = await device.client.call('recovery.status', {});
  assert.equal(status.custodians.length, 0, 'neither was recorded');
});

test('a custodian on the previous release (recovery 1.0.0) is told to update, and the new device says so', async () => {
  const { node } = await stranger();
  try {
    const stream = await node.dialProtocol(peerIdFromString(code.peerId), PROTOCOLS.recoveryV1, {
      signal: AbortSignal.timeout(5_000),
    });
    const conv = lpStream(stream);
    // The previous release's hello: { v: 1, t: 1, q, name } (PROTOCOL §11.2 as it was).
    await conv.write(encodeCanonical({ v: 1, t: 1, q: possessionProof(code), name: 'Oscar' }));
    const reply = decodeCanonical((await conv.read()).subarray(), 1024, 'reply') as Record<string, unknown>;
    assert.deepEqual([reply.v, reply.t], [1, 8], 'a refusal in the old format');
    assert.match(String(reply.reason), /update Tessera/);
    await stream.close();
  } finally {
    await node.stop();
  }
  const status = await device.client.call('recovery.status', {});
  assert.match(status.error ?? '', /older Tessera and was asked to update/);
});

test(`40 peer IDs with the code say hello: the session keeps at most ${MAX_SENDERS}`, async () => {
  const flood = 40;
  let kept = 0;
  const last = generateIdentity();
  for (let i = 0; i < flood; i++) {
    const { node, signPublic } = await stranger(i === flood - 1 ? last : undefined);
    try {
      const conv = await openConversation(node, code.peerId, 'recovery', { timeoutMs: 10_000 });
      await sayHello(conv, possessionProof(code), `Stranger ${i}`, {
        initiator: signPublic,
        responder: code.signPublic,
      });
      await conv.close();
      kept++;
    } finally {
      await node.stop();
    }
  }
  const status = await device.client.call('recovery.status', {});
  figure('hellos from fresh peer IDs', flood);
  figure('senders the session keeps', status.custodians.length);
  assert.equal(kept, flood, 'each hello was answered (the oldest silent sender made room)');
  assert.equal(status.custodians.length, MAX_SENDERS);
  assert.ok(status.custodians.every((c) => c.state === 'connected' && !c.confirmed));
  assert.equal(status.custodians.at(-1)?.name, `Stranger ${flood - 1}`, 'the newest is kept');

  // The person rejects the last one; when it comes back it is refused.
  const rejected = status.custodians.at(-1)!;
  await device.client.call('recovery.judge', { peerId: rejected.peerId, match: false });
  const after = await device.client.call('recovery.status', {});
  assert.equal(after.custodians.find((c) => c.peerId === rejected.peerId)?.state, 'rejected');
  const { node, signPublic } = await stranger(last);
  try {
    const conv = await openConversation(node, code.peerId, 'recovery', { timeoutMs: 10_000 });
    await assert.rejects(
      sayHello(conv, possessionProof(code), 'Stranger again', {
        initiator: signPublic,
        responder: code.signPublic,
      }),
      (e: Error) => e instanceof RecoveryRefusedError && /did not match/.test(e.message),
    );
    await conv.close();
  } finally {
    await node.stop();
  }
});
