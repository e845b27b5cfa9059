/**
 * Network attacks with real nodes: a victim `tessera serve` (custodian for an owner), attacked by a malicious but
 * *paired* friend — a serve data dir paired through the HTTP API, then stopped and replaced by an in-process js-libp2p
 * node with the same identity key (tests/helpers/adversary.ts) — so the attacks get past the friends-only gate.
 *
 *   - a plaintext-only peer (no Noise) gets no connection; garbage on the TCP port closes the socket;
 *   - malformed frames on the backup protocol: the stream closes or is refused, the process stays up and serves;
 *   - a 2^31 length prefix, many times: stream reset before allocating, victim RSS stays bounded;
 *   - 1,000 streams opened at once: capped per connection (STREAM_CAPS.backup), the victim keeps serving;
 *   - a replayed deletion request (nonce + expiry, spent nonces stored): refused in a new session, and after a
 *     custodian restart; the same request sent to another custodian by a third party deletes nothing there.
 *
 * Proven elsewhere and not repeated: an unknown peer cut by the gate before any handler, an impostor at a friend's
 * address refused by the pinned peer ID, an over-cap pairing frame (tests/integration/mesh-pairing.test.ts).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { multiaddr } from '@multiformats/multiaddr';
import { peerIdFromString } from '@libp2p/peer-id';
import type { Stream } from '@libp2p/interface';
import { encodeCanonical } from '../../shared/formats/cbor.ts';
import { decodeBackupMessage, encodeBackupMessage } from '../../shared/protocol/backup.ts';
import type { BackupMessage } from '../../shared/protocol/backup.ts';
import { PROTOCOLS, STREAM_CAPS } from '../../shared/protocol/protocols.ts';
import { openConversation } from '../../electron/core/mesh/rpc.ts';
import type { MeshNode } from '../../electron/core/mesh/node.ts';
import {
  acceptHolding,
  dialAddress,
  loadIdentityKeys,
  pair,
  sleep,
  startFriendNode,
  startPeer,
} from '../helpers/adversary.ts';
import { waitFor } from '../helpers/wait-for.ts';
import type { AdvPeer } from '../helpers/adversary.ts';
import { count, figure, reportFor, rssKiB, scale } from './report.ts';

reportFor('network');

const BACKUP = PROTOCOLS.backup;
const running: AdvPeer[] = [];
const nodes: MeshNode[] = [];
let victim: AdvPeer; // custodian under attack
let cora: AdvPeer; // a second custodian of the same owner
let ownerId = '';
let splitId: Uint8Array;
let ownerNode: MeshNode; // the owner's key, in-process
let mallory: MeshNode; // a paired friend of the victim, in-process

function uvarint(n: number): Uint8Array {
  const out: number[] = [];
  while (n >= 0x80) {
    out.push((n % 0x80) | 0x80);
    n = Math.floor(n / 0x80);
  }
  out.push(n);
  return Uint8Array.from(out);
}
const frame = (bytes: Uint8Array) => Uint8Array.from([...uvarint(bytes.length), ...bytes]);

/** Splits received bytes into length-prefixed backup messages (best effort). */
function replies(bytes: Uint8Array): BackupMessage[] {
  const out: BackupMessage[] = [];
  let i = 0;
  while (i < bytes.length) {
    let len = 0;
    let shift = 1;
    for (;;) {
      const b = bytes[i++];
      if (b === undefined) return out;
      len += (b & 0x7f) * shift;
      shift *= 128;
      if (b < 0x80) break;
    }
    try {
      out.push(decodeBackupMessage(bytes.subarray(i, i + len)));
    } catch {
      return out;
    }
    i += len;
  }
  return out;
}

interface Exchange {
  status: string;
  replies: BackupMessage[];
  opened: boolean;
}

/** Opens a stream on the backup protocol, writes raw bytes, closes our side, reads whatever comes back. */
async function rawExchange(
  node: MeshNode,
  peerId: string,
  chunks: Uint8Array[],
  ms = 8_000,
): Promise<Exchange> {
  let stream: Stream;
  try {
    stream = await node.dialProtocol(peerIdFromString(peerId), BACKUP, { signal: AbortSignal.timeout(ms) });
  } catch {
    return { status: 'refused', replies: [], opened: false };
  }
  const received: number[] = [];
  const reading = (async () => {
    try {
      for await (const chunk of stream) received.push(...chunk.subarray());
    } catch {
      // reset by the victim
    }
  })();
  try {
    for (const c of chunks) if (!stream.send(c)) await stream.onDrain({ signal: AbortSignal.timeout(ms) });
    await stream.close({ signal: AbortSignal.timeout(ms) });
  } catch {
    // the victim may reset while we write
  }
  await Promise.race([reading, sleep(ms)]);
  const status = stream.status;
  if (status === 'open' || status === 'closing') stream.abort(new Error('test done'));
  return { status, replies: replies(Uint8Array.from(received)), opened: true };
}

/** The victim process is alive and answers both its API and a well-formed request from the friend. */
async function victimServes(): Promise<void> {
  assert.equal(victim.serve.child.exitCode, null, 'victim process still running');
  const status = await victim.serve.client.call('app.status', {});
  assert.equal(status.state, 'unlocked');
  const conv = await openConversation(mallory, victim.peerId, 'backup', { timeoutMs: 10_000 });
  await conv.send(encodeBackupMessage({ t: 'challenge', nonce: new Uint8Array(32).fill(9) }));
  const proof = decodeBackupMessage(await conv.receive());
  await conv.close();
  assert.equal(proof.t, 'proof');
}

before(async () => {
  const [v, c, o, m] = await Promise.all([
    startPeer('Victor'),
    startPeer('Cora'),
    startPeer('Olga'),
    startPeer('Mallory'),
  ]);
  victim = v;
  cora = c;
  running.push(v, c, o, m);
  ownerId = o.peerId;
  await pair(o, v);
  await pair(o, c);
  await pair(m, v);
  await o.serve.client.call('items.create', { title: 'Bank', secret: 'pin 2468' });
  await o.serve.client.call('backup.create', { custodians: [v.peerId, c.peerId], threshold: 2 });
  await acceptHolding(v, o.peerId);
  await acceptHolding(c, o.peerId);
  await waitFor(
    'both custodians to hold the backup',
    async () => {
      const s = await o.serve.client.call('backup.status', {});
      return s.custodians.every((x) => x.state === 'delivered');
    },
    60_000,
  );
  // The owner and Mallory leave; their keys come back as in-process nodes under the test's control.
  for (const p of [o, m]) {
    running.splice(running.indexOf(p), 1);
    await p.serve.stop();
  }
  const db = new Database(join(o.serve.dataDir, 'tessera.db'), { readonly: true });
  splitId = Uint8Array.from(
    (db.prepare('SELECT split_id FROM backup_splits').get() as { split_id: Buffer }).split_id,
  );
  db.close();
  const ownerKeys = await loadIdentityKeys(o.serve.dataDir);
  const malloryKeys = await loadIdentityKeys(m.serve.dataDir);
  ownerNode = await startFriendNode(ownerKeys);
  mallory = await startFriendNode(malloryKeys);
  nodes.push(ownerNode, mallory);
  await mallory.dial(multiaddr(await dialAddress(victim)));
  await ownerNode.dial(multiaddr(await dialAddress(victim)));
  await ownerNode.dial(multiaddr(await dialAddress(cora)));
});

after(async () => {
  await Promise.all(nodes.map((n) => n.stop()));
  await Promise.all(running.map((p) => p.serve.stop()));
});

test('a plaintext-only peer (no Noise) gets no connection; TCP garbage just closes the socket', async () => {
  const addr = (await dialAddress(victim)).split('/');
  const port = Number(addr[addr.indexOf('tcp') + 1]);
  const line = (s: string) => frame(new TextEncoder().encode(`${s}\n`));
  const talk = (payload: Uint8Array) =>
    new Promise<{ text: string; closed: boolean }>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      let text = '';
      let closed = false;
      socket.on('data', (d) => {
        text += d.toString('latin1');
        if (/\bna\n/.test(text)) socket.destroy();
      });
      socket.on('close', () => {
        closed = true;
        resolve({ text, closed });
      });
      socket.on('error', () => {});
      socket.on('connect', () => socket.write(payload));
      setTimeout(() => {
        socket.destroy();
        resolve({ text, closed });
      }, 2_000);
    });
  for (const proposal of ['/plaintext/2.0.0', '/plaintext/1.0.0', '/tls/1.0.0']) {
    const r = await talk(Uint8Array.from([...line('/multistream/1.0.0'), ...line(proposal)]));
    assert.match(r.text, /na\n/, `${proposal} must be declined: ${JSON.stringify(r.text)}`);
    assert.doesNotMatch(
      r.text,
      new RegExp(proposal.replace(/\//g, '\\/') + '\\n.*' + proposal.replace(/\//g, '\\/')),
    );
    count('plaintext proposals declined');
  }
  const garbage = await talk(Uint8Array.from({ length: 4096 }, (_, i) => (i * 131) & 0xff));
  assert.ok(garbage.closed, 'garbage closes the socket');
  count('garbage sockets closed');
  assert.doesNotMatch(victim.serve.log(), /\[mesh\].*(pairing|backup) with .* failed/);
  await victimServes();
});

test('malformed frames from a paired friend: the stream is closed or refused, the victim keeps serving', async () => {
  const cases: [string, Uint8Array[], 'dropped' | 'refused'][] = [
    ['random bytes', [Uint8Array.from({ length: 300 }, (_, i) => (i * 37 + 11) & 0xff)], 'dropped'],
    ['a frame that is not CBOR', [frame(new TextEncoder().encode('{"json":"not cbor"}'))], 'dropped'],
    [
      'non-canonical CBOR',
      [frame(Uint8Array.from([0xa2, 0x61, 0x76, 0x01, 0x61, 0x74, 0x18, 0x0b]))],
      'dropped',
    ],
    ['an unknown message type', [frame(encodeCanonical({ v: 1, t: 99 }))], 'dropped'],
    ['a newer protocol version', [frame(encodeCanonical({ v: 2, t: 11 }))], 'dropped'],
    ['extra fields', [frame(encodeCanonical({ v: 1, t: 11, nonce: new Uint8Array(32), x: 1 }))], 'dropped'],
    ['a frame cut short', [Uint8Array.from([...uvarint(500), ...new Uint8Array(40)])], 'dropped'],
    ['an empty frame', [frame(new Uint8Array(0))], 'dropped'],
    ['a reply as the first message', [frame(encodeBackupMessage({ t: 'need', ids: [] }))], 'refused'],
    [
      'chunks without an offer',
      [frame(encodeBackupMessage({ t: 'chunk', id: new Uint8Array(32), data: new Uint8Array(100) }))],
      'refused',
    ],
    [
      'an offer without consent and a junk manifest',
      [
        frame(
          encodeBackupMessage({
            t: 'offer',
            split: new Uint8Array(16),
            sealed: new Uint8Array(300),
            manifest: new Uint8Array(500),
          }),
        ),
      ],
      'refused',
    ],
    [
      'a holding request that already expired',
      [
        frame(
          encodeBackupMessage({
            t: 'hold-request',
            threshold: 2,
            custodians: 2,
            nonce: new Uint8Array(32).fill(3),
            expires: 1,
          }),
        ),
      ],
      'refused',
    ],
  ];
  const outcomes: string[] = [];
  for (const [name, chunks, expected] of cases) {
    const r = await rawExchange(mallory, victim.peerId, chunks);
    assert.ok(r.opened, `${name}: the friend may open a stream`);
    if (expected === 'refused') {
      assert.equal(r.replies[0]?.t, 'refused', `${name}: ${JSON.stringify(r)}`);
    } else {
      assert.deepEqual(r.replies, [], `${name}: no answer to a malformed frame`);
      assert.ok(['reset', 'closed', 'aborted'].includes(r.status), `${name}: stream ${r.status}`);
    }
    outcomes.push(`${expected}`);
    count('malformed frames sent');
  }
  figure(
    'malformed frame outcomes',
    `${outcomes.filter((o) => o === 'dropped').length} dropped, ${outcomes.filter((o) => o === 'refused').length} refused with a message`,
  );
  await victimServes();
  // The victim still holds the owner's backup (nothing Mallory sent touched it).
  const held = await victim.serve.client.call('held.list', {});
  assert.ok(held.some((h) => h.ownerPeerId === ownerId));
});

test('a 2^31 length prefix resets the stream before allocating; victim memory stays bounded', async () => {
  const rounds = scale(20, 200);
  const junk = new Uint8Array(64 * 1024).fill(0x41);
  const before = await rssKiB(victim.serve.pid);
  let reset = 0;
  for (let i = 0; i < rounds; i++) {
    const r = await rawExchange(mallory, victim.peerId, [uvarint(2 ** 31), junk], 5_000);
    assert.deepEqual(r.replies, []);
    if (r.status === 'reset' || r.status === 'aborted' || r.status === 'closed') reset++;
  }
  // Also a varint that never ends.
  const endless = await rawExchange(mallory, victim.peerId, [new Uint8Array(64).fill(0xff)], 5_000);
  assert.deepEqual(endless.replies, []);
  await sleep(500);
  const afterRss = await rssKiB(victim.serve.pid);
  const growthMiB = (afterRss - before) / 1024;
  figure('2^31 prefixes sent', rounds);
  figure('2^31 streams reset', reset);
  figure(
    'victim RSS before / after (MiB)',
    `${(before / 1024).toFixed(1)} / ${(afterRss / 1024).toFixed(1)}`,
  );
  figure('peak RSS growth (MiB)', growthMiB.toFixed(1));
  assert.equal(reset, rounds);
  assert.ok(growthMiB < 64, `RSS grew by ${growthMiB.toFixed(1)} MiB`);
  await victimServes();
});

test('1,000 streams opened at once are capped per connection; the victim keeps serving', async () => {
  const N = 1000;
  const before = await rssKiB(victim.serve.pid);
  const attempts = await Promise.allSettled(
    Array.from({ length: N }, () =>
      mallory.dialProtocol(peerIdFromString(victim.peerId), BACKUP, {
        signal: AbortSignal.timeout(20_000),
        maxOutboundStreams: N + 10,
      } as Parameters<MeshNode['dialProtocol']>[2]),
    ),
  );
  const opened = attempts
    .filter((a) => a.status === 'fulfilled')
    .map((a) => (a as PromiseFulfilledResult<Stream>).value);
  await sleep(1_500);
  const stillOpen = opened.filter((s) => s.status === 'open');
  const peakRss = await rssKiB(victim.serve.pid);
  figure('streams attempted at once', N);
  figure('streams refused at negotiation', N - opened.length);
  figure('streams reset by the victim', opened.length - stillOpen.length);
  figure('streams left open (cap ' + STREAM_CAPS.backup + ')', stillOpen.length);
  figure('victim RSS growth during the burst (MiB)', ((peakRss - before) / 1024).toFixed(1));
  assert.ok(stillOpen.length <= STREAM_CAPS.backup, `${stillOpen.length} streams open at once`);
  for (const s of opened) s.abort(new Error('done'));
  await sleep(300);
  await victimServes();
});

test('a replayed deletion request is refused in a new session, after a restart, and via another custodian', async () => {
  const expires = Date.now() + 10 * 60_000;
  const del = encodeBackupMessage({
    t: 'delete',
    split: splitId,
    nonce: new Uint8Array(32).fill(0x5a),
    expires,
  });
  const send = async (node: MeshNode, to: string) => {
    const conv = await openConversation(node, to, 'backup', { timeoutMs: 10_000 });
    try {
      await conv.send(del);
      return decodeBackupMessage(await conv.receive());
    } finally {
      await conv.close();
    }
  };
  // The owner deletes at Cora: honoured once, with a signed deletion receipt.
  const first = await send(ownerNode, cora.peerId);
  assert.equal(first.t, 'receipt');
  assert.deepEqual(
    (await cora.serve.client.call('held.list', {})).filter((h) => h.ownerPeerId === ownerId),
    [],
  );
  // The same bytes in a new session (fresh connection): refused as a replay.
  await ownerNode.hangUp(peerIdFromString(cora.peerId));
  await ownerNode.dial(multiaddr(await dialAddress(cora)));
  const replay = await send(ownerNode, cora.peerId);
  assert.equal(replay.t, 'refused');
  assert.match((replay as { reason: string }).reason, /replay|already used/i);
  count('replays refused');
  // After Cora restarts (spent nonces are in her database): still refused.
  running.splice(running.indexOf(cora), 1);
  await cora.serve.stop();
  cora = await startPeer('Cora', { dataDir: cora.serve.dataDir });
  running.push(cora);
  await ownerNode.dial(multiaddr(await dialAddress(cora)));
  const afterRestart = await send(ownerNode, cora.peerId);
  assert.equal(afterRestart.t, 'refused');
  count('replays refused');
  // Mallory (a friend of Victor, not the owner) replays the owner's request at Victor: the channel authenticates
  // Mallory, so the request can only concern what Victor holds for Mallory — the owner's backup stays.
  const forwarded = await send(mallory, victim.peerId);
  assert.ok(forwarded.t === 'receipt' || forwarded.t === 'refused');
  const held = await victim.serve.client.call('held.list', {});
  assert.ok(
    held.some((h) => h.ownerPeerId === ownerId),
    'the owner backup is still held by Victor',
  );
  count('cross-custodian replays without effect');
  // An expired request from the real owner is refused too.
  const stale = encodeBackupMessage({
    t: 'delete',
    split: splitId,
    nonce: new Uint8Array(32).fill(0x6b),
    expires: Date.now() - 1,
  });
  const conv = await openConversation(ownerNode, victim.peerId, 'backup', { timeoutMs: 10_000 });
  await conv.send(stale);
  const staleReply = decodeBackupMessage(await conv.receive());
  await conv.close();
  assert.equal(staleReply.t, 'refused');
  assert.ok((await victim.serve.client.call('held.list', {})).some((h) => h.ownerPeerId === ownerId));
  count('expired requests refused');
});
