/**
 * The keep-alive (electron/core/mesh/keep-alive.ts) against real peers in their own processes: a bare js-libp2p node
 * (bench/idle-bare.ts, a release of any kind answers yamux pings) that keeps answering stays connected round after
 * round; one whose process is frozen (SIGSTOP: a power cut or a lost network, with no FIN or RST) is closed as dead
 * within a round and its timeout.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { multiaddr } from '@multiformats/multiaddr';
import { peerIdFromString } from '@libp2p/peer-id';
import { PeerGate } from '../../../electron/core/mesh/gater.ts';
import { startBarePeer } from '../../helpers/bare-peer.ts';
import { startLoopbackNode } from '../../helpers/loopback-node.ts';
import { waitFor } from '../../helpers/wait-for.ts';

const ROUND_MS = 400;

test('a connection whose peer stops answering is closed within a round; one that answers stays open', async (t) => {
  const [alive, frozen] = await Promise.all([startBarePeer(), startBarePeer()]);
  t.after(() => {
    frozen.child.kill('SIGKILL');
    alive.child.kill('SIGKILL');
  });
  const gate = new PeerGate();
  gate.setFriends([alive.peerId, frozen.peerId]);
  const node = await startLoopbackNode(gate, { keepAliveMs: ROUND_MS });
  const closed: string[] = [];
  node.addEventListener('connection:close', (evt) => closed.push(evt.detail.remotePeer.toString()));
  const connected = (peer: { peerId: string }) => node.getConnections(peerIdFromString(peer.peerId)).length;
  try {
    await node.dial(multiaddr(alive.addr), { signal: AbortSignal.timeout(5_000) });
    await node.dial(multiaddr(frozen.addr), { signal: AbortSignal.timeout(5_000) });
    assert.equal(connected(alive), 1);
    assert.equal(connected(frozen), 1);

    frozen.child.kill('SIGSTOP');
    // Without the keep-alive nothing would close it: TCP's own keep-alive waits two hours by default.
    await waitFor('the frozen peer to be closed as dead', () => connected(frozen) === 0, 10_000, 50);
    assert.deepEqual(closed, [frozen.peerId]);

    // The peer that answers is pinged round after round and never closed.
    await new Promise((resolve) => setTimeout(resolve, 4 * ROUND_MS));
    assert.equal(connected(alive), 1);
    assert.deepEqual(closed, [frozen.peerId]);
  } finally {
    await node.stop();
  }
});
