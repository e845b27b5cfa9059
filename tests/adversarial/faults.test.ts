/**
 * Faults across processes, with real `tessera serve` processes on loopback:
 *   - a custodian SIGKILLed at random moments while the owner delivers new versions: after every kill its database
 *     passes integrity_check and holds at least every version the owner has a signed receipt for (acknowledged
 *     writes lost = 0); after restart it receives everything;
 *   - the owner SIGKILLed in the middle of an update: after restart it resumes and every custodian ends up holding
 *     the newest version.
 * The network-namespace link cut lives in faults-netns.test.ts. Item deposits under 100 SIGKILLs are
 * tests/integration/store-crash.test.ts (TESSERA_FULL=1).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { acceptHolding, pair, sleep, startPeer } from '../helpers/adversary.ts';
import { waitFor } from '../helpers/wait-for.ts';
import type { AdvPeer } from '../helpers/adversary.ts';
import { count, figure, reportFor, scale } from './report.ts';

reportFor('faults');

const running: AdvPeer[] = [];
let owner: AdvPeer;
let kim: AdvPeer; // the custodian we crash
let lee: AdvPeer;

async function restart(p: AdvPeer, how: 'kill' | 'stop'): Promise<AdvPeer> {
  running.splice(running.indexOf(p), 1);
  if (how === 'kill') await p.serve.kill();
  else await p.serve.stop();
  const next = await startPeer(p.name, { dataDir: p.serve.dataDir });
  running.push(next);
  return next;
}

/** An item with `kib` KiB of random attachment: the next backup version carries that much new data. */
/**
 * Adds an item of about `kib` KiB, replacing the previous item of the same series ("round-3" replaces "round-2"), so
 * the vault stays far below the backup size limit however many rounds the full run makes.
 */
async function addBulk(p: AdvPeer, label: string, kib: number): Promise<void> {
  const series = label.replace(/\d+$/, '');
  for (const item of await p.serve.client.call('items.list', {})) {
    if (series !== label && item.title.startsWith(series) && item.title !== label) {
      await p.serve.client.call('items.delete', { id: item.id });
    }
  }
  const attachments = [];
  for (let left = kib; left > 0; left -= 1024)
    attachments.push({
      name: `${label}-${left}.bin`,
      mediaType: 'application/octet-stream',
      dataBase64: randomBytes(Math.min(left, 1024) * 1024).toString('base64'),
    });
  await p.serve.client.call('items.create', { title: label, secret: `secret ${label}`, attachments });
}

async function ownerView(id: string) {
  const s = await owner.serve.client.call('backup.status', {});
  return { version: s.version, row: s.custodians.find((c) => c.peerId === id) };
}

function heldVersion(dataDir: string, ownerPeerId: string): { integrity: string; version: number } {
  const db = new Database(join(dataDir, 'tessera.db')); // read-write: recovers the WAL as the app would
  try {
    const integrity = String(db.pragma('integrity_check', { simple: true }));
    const row = db.prepare('SELECT version FROM held_shards WHERE owner_peer_id = ?').get(ownerPeerId) as
      { version: number } | undefined;
    return { integrity, version: row?.version ?? 0 };
  } finally {
    db.close();
  }
}

async function allDelivered(ms = 120_000) {
  return waitFor(
    'every custodian to hold the newest version',
    async () => {
      const s = await owner.serve.client.call('backup.status', {});
      return s.custodians.every((c) => c.state === 'delivered' && c.versionHeld === s.version) ? s : null;
    },
    ms,
    300,
  );
}

before(async () => {
  [owner, kim, lee] = await Promise.all([startPeer('Olive'), startPeer('Kim'), startPeer('Lee')]);
  running.push(owner, kim, lee);
  await pair(owner, kim);
  await pair(owner, lee);
  await addBulk(owner, 'seed', 1024);
  await owner.serve.client.call('backup.create', { custodians: [kim.peerId, lee.peerId], threshold: 2 });
  await acceptHolding(kim, owner.peerId);
  await acceptHolding(lee, owner.peerId);
  await allDelivered();
});

after(async () => {
  await Promise.all(running.map((p) => p.serve.stop()));
});

test('a custodian SIGKILLed mid-delivery loses no acknowledged version and receives everything after restart', async () => {
  const rounds = scale(3, 100);
  let midDelivery = 0;
  let maxAcked = 0;
  let lost = 0;
  for (let i = 0; i < rounds; i++) {
    await addBulk(owner, `round-${i}`, 512 + Math.floor(Math.random() * 1024));
    await sleep(Math.random() * 1_500);
    const before = await ownerView(kim.peerId);
    if ((before.row?.versionHeld ?? 0) < before.version) midDelivery++;
    running.splice(running.indexOf(kim), 1);
    await kim.serve.kill();
    // Whatever the owner holds a signed receipt for must be on Kim's disk.
    const acked = (await ownerView(kim.peerId)).row?.versionHeld ?? 0;
    maxAcked = Math.max(maxAcked, acked);
    const disk = heldVersion(kim.serve.dataDir, owner.peerId);
    assert.equal(disk.integrity, 'ok');
    if (disk.version < acked) lost++;
    assert.ok(
      disk.version >= acked,
      `round ${i}: Kim holds version ${disk.version}, the owner has a receipt for ${acked}`,
    );
    kim = await startPeer('Kim', { dataDir: kim.serve.dataDir });
    running.push(kim);
    count('custodian SIGKILLs survived');
  }
  const done = await allDelivered();
  figure('custodian kills while a version was in flight', midDelivery);
  figure('highest acknowledged version at a kill', maxAcked);
  figure('acknowledged versions lost (custodian)', lost);
  figure('final version held by every custodian', done.version);
  assert.equal(lost, 0);
  const held = await kim.serve.client.call('held.list', {});
  assert.equal(held.find((h) => h.ownerPeerId === owner.peerId)?.version, done.version);
});

test('the owner SIGKILLed mid-update resumes after restart and delivers the newest version', async () => {
  const rounds = scale(1, 10);
  let midUpdate = 0;
  for (let i = 0; i < rounds; i++) {
    const prior = (await owner.serve.client.call('backup.status', {})).version;
    await addBulk(owner, `owner-round-${i}`, 1024 + Math.floor(Math.random() * 1024));
    // Kill once the new version is built and its delivery has just started.
    await waitFor(
      'the new version to be built',
      async () => (await owner.serve.client.call('backup.status', {})).version > prior,
      30_000,
      25,
    );
    await sleep(Math.random() * 250);
    const before = await owner.serve.client.call('backup.status', {});
    if (before.custodians.some((c) => c.versionHeld !== before.version)) midUpdate++;
    const titlesBefore = (await owner.serve.client.call('items.list', {})).length;
    owner = await restart(owner, 'kill');
    const db = new Database(join(owner.serve.dataDir, 'tessera.db'), { readonly: true });
    assert.equal(String(db.pragma('quick_check', { simple: true })), 'ok');
    db.close();
    assert.equal(
      (await owner.serve.client.call('items.list', {})).length,
      titlesBefore,
      'no acknowledged item lost',
    );
    const done = await allDelivered();
    assert.ok(done.version >= before.version);
    count('owner SIGKILLs survived');
  }
  figure('owner kills while an update was in flight', midUpdate);
});
