/**
 * Pairing without a confirmed code (SECURITY.md, "Someone who saw a code"; PROTOCOL §8.5): two real `tessera serve`
 * processes pair but nobody compares the code. The owner cannot ask that friend to hold a piece (NOT_VERIFIED, and
 * nothing is sent); once the owner confirms, the request goes out, but the custodian cannot accept it until they
 * confirmed too. Saying the codes do not match leaves the friend unverified.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { multiaddr } from '@multiformats/multiaddr';
import {
  confirmCodes,
  dialAddress,
  loadIdentityKeys,
  pair,
  pairUnverified,
  startFriendNode,
  startPeer,
} from '../helpers/adversary.ts';
import { waitFor } from '../helpers/wait-for.ts';
import type { AdvPeer } from '../helpers/adversary.ts';
import { figure, reportFor } from './report.ts';

reportFor('unverified-friend');

const running: AdvPeer[] = [];
after(async () => {
  await Promise.all(running.map((p) => p.serve.stop()));
});

test(
  'an unverified friend cannot be asked to hold a piece, nor accept one',
  { timeout: 120_000 },
  async () => {
    const owner = await startPeer('Olivia');
    const ana = await startPeer('Ana');
    const ben = await startPeer('Ben');
    running.push(owner, ana, ben);
    await pair(owner, ben); // Ben compared codes with Olivia
    await pairUnverified(owner, ana);
    const code = await waitFor('the devices to compare codes', async () => {
      const f = (await owner.client.call('friends.list', {})).find((x) => x.peerId === ana.peerId);
      return f?.comparisonCode || null;
    });
    assert.match(code, /^\d{6}$/);
    const listed = (await owner.client.call('friends.list', {})).find((x) => x.peerId === ana.peerId)!;
    assert.equal(listed.verified, false);

    const refused = await owner.client
      .call('backup.create', { custodians: [ana.peerId, ben.peerId], threshold: 2 })
      .then(
        () => null,
        (e: { code: string; message: string }) => e,
      );
    assert.equal(refused?.code, 'NOT_VERIFIED');
    assert.match(refused?.message ?? '', /Compare codes with Ana first/);
    assert.equal((await owner.client.call('backup.status', {})).configured, false, 'no split was made');
    assert.deepEqual(await ana.client.call('requests.list', {}), [], 'nothing reached Ana');
    assert.deepEqual(await ben.client.call('requests.list', {}), [], 'nor Ben');

    // "It does not match" on Olivia's side: the code is dropped, Ana stays unverified.
    const mismatch = await owner.client.call('friends.confirm', { peerId: ana.peerId, match: false });
    assert.deepEqual([mismatch.verified, mismatch.comparisonCode], [false, '']);
    // A new comparison, both screens agree, only Olivia confirms: the request goes out, Ana cannot accept it yet.
    await owner.client.call('friends.compare', { peerId: ana.peerId });
    await waitFor('both screens to show the new code', async () => {
      const o = (await owner.client.call('friends.list', {})).find((x) => x.peerId === ana.peerId);
      const a = (await ana.client.call('friends.list', {})).find((x) => x.peerId === owner.peerId);
      return o?.comparisonCode && o.comparisonCode === a?.comparisonCode;
    });
    await owner.client.call('friends.confirm', { peerId: ana.peerId, match: true });
    await owner.client.call('backup.create', { custodians: [ana.peerId, ben.peerId], threshold: 2 });
    const id = `holding:${owner.peerId}`;
    await waitFor('Ana to see the request', async () =>
      (await ana.client.call('requests.list', {})).some((r) => r.id === id),
    );
    const notYet = await ana.client.call('requests.accept', { id }).then(
      () => null,
      (e: { code: string }) => e,
    );
    assert.equal(notYet?.code, 'NOT_VERIFIED');
    assert.equal((await ana.client.call('held.list', {})).length, 0);

    // Ana confirms the same code: now she can accept, and the piece arrives.
    await confirmCodes(owner, ana);
    await ana.client.call('requests.accept', { id });
    await waitFor('Ana to hold the piece', async () => (await ana.client.call('held.list', {})).length === 1);
    figure('holding requests sent to an unverified friend', 0);
    figure('holding requests accepted before the custodian confirmed', 0);
  },
);

test(
  'a friend on the previous release cannot compare codes, and the person is told to ask them to update',
  {
    timeout: 120_000,
  },
  async () => {
    const owner = await startPeer('Olivia');
    const old = await startPeer('Oscar');
    running.push(owner, old);
    await pairUnverified(owner, old);
    // Oscar's device is replaced by one with his key that speaks no /tessera/verify, as the previous release.
    await old.serve.stop();
    const keys = await loadIdentityKeys(old.serve.dataDir);
    const node = await startFriendNode(keys);
    keys.signSeed.fill(0);
    keys.boxSecret.fill(0);
    try {
      await node.dial(multiaddr(await dialAddress(owner)));
      const refused = await owner.client.call('friends.compare', { peerId: old.peerId }).then(
        () => null,
        (e: { code: string; message: string }) => e,
      );
      assert.equal(refused?.code, 'UNSUPPORTED_VERSION');
      assert.match(refused?.message ?? '', /Oscar needs to update Tessera/);
      const listed = (await owner.client.call('friends.list', {})).find((f) => f.peerId === old.peerId);
      assert.equal(listed?.verified, false);
    } finally {
      await node.stop();
    }
  },
);
