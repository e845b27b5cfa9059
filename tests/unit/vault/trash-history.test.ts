/**
 * Trash and previous secrets (docs/STORAGE.md, "Trash and secret history"), on real SQLite files with real crypto:
 * a deleted item waits in the trash and comes back whole; it is deleted for good after 30 days (an injected clock);
 * a replaced secret is kept, sealed, the newest 10; a passphrase change re-seals both; the backup carries the
 * previous secrets and not the trash.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import { EventBus } from '../../../electron/core/event-bus.ts';
import { Store, databasePath } from '../../../electron/core/store/store.ts';
import { open, rowAd } from '../../../electron/core/vault/aead.ts';
import { TRASH_KEEP_MS } from '../../../electron/core/vault/items/item-service.ts';
import { VaultService } from '../../../electron/core/vault/vault-service.ts';
import type { Topic } from '../../../shared/api/events.ts';
import { decodeSnapshot, encodeSnapshot } from '../../../shared/formats/snapshot.ts';
import type { Snapshot } from '../../../shared/formats/snapshot.ts';
import { identityFromSecrets } from '../../../shared/crypto/identity.ts';
import { FAST_ENV, PASSPHRASE, tempDir } from './helpers.ts';

const DAY = 24 * 60 * 60 * 1000;

interface Clocked {
  dir: string;
  store: Store;
  vault: VaultService;
  topics: Topic[];
  clock: { now: number };
}

/** A VaultService on a real tessera.db whose clock the test moves. */
function openClocked(t: TestContext, dir = tempDir(t)): Clocked {
  const store = Store.open(databasePath(dir));
  const events = new EventBus();
  const topics: Topic[] = [];
  events.subscribe((e) => {
    if (e.type === 'changed') topics.push(...e.topics);
  });
  const clock = { now: Date.UTC(2026, 0, 1) };
  const vault = new VaultService(store, events, { env: FAST_ENV, now: () => clock.now });
  t.after(() => {
    vault.close();
    store.close();
  });
  return { dir, store, vault, topics, clock };
}

function count(store: Store, table: string): number {
  return (store.db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
}

test('delete moves an item to the trash; restore brings it back whole (files, previous secrets); delete forever removes it', async (t) => {
  const { vault, store, clock } = openClocked(t);
  await vault.create({ name: 'Ann', passphrase: PASSPHRASE });
  const backupChanges: string[] = [];
  vault.onChange((c) => backupChanges.push(c));
  const bank = vault.items.create({
    title: 'Bank',
    secret: 'pin 1234',
    notes: 'joint',
    tags: ['money'],
    attachments: [{ name: 'card.png', mediaType: 'image/png', data: Buffer.from('PNG') }],
  });
  vault.items.create({ title: 'Mail', secret: 'hunter2', notes: '', tags: [], attachments: [] });
  clock.now += 1000;
  vault.items.update(bank.id, { secret: 'pin 9999' });

  clock.now += 1000;
  const deletedAt = clock.now;
  backupChanges.length = 0;
  const trashed = vault.items.delete(bank.id);
  assert.equal(trashed.deletedAt, deletedAt);
  assert.equal(trashed.purgeAt, deletedAt + 30 * DAY);
  assert.deepEqual(backupChanges, ['items'], 'the backup is updated: the item leaves it');
  assert.deepEqual(
    vault.items.list().map((i) => i.title),
    ['Mail'],
  );
  assert.throws(() => vault.items.get(bank.id), { code: 'NOT_FOUND', message: /is in the trash/ });
  assert.throws(() => vault.items.update(bank.id, { title: 'x' }), { code: 'NOT_FOUND' });
  assert.throws(() => vault.items.history(bank.id), { code: 'NOT_FOUND' });
  assert.throws(() => vault.items.delete(bank.id), { code: 'NOT_FOUND' });
  assert.deepEqual(
    vault.items.trash().map((i) => [i.id, i.title, i.attachmentCount]),
    [[bank.id, 'Bank', 1]],
  );
  assert.deepEqual(
    vault.exportSnapshotData().items.map((i) => i.title),
    ['Mail'],
    'the trash is not in the backup',
  );
  // The row is still there, sealed; nothing of it is in the clear.
  assert.equal(count(store, 'items'), 2);
  assert.equal(count(store, 'attachments'), 1);
  const raw = (store.db.prepare('SELECT sealed FROM items WHERE id = ?').get(bank.id) as { sealed: Buffer })
    .sealed;
  assert.ok(!raw.includes(Buffer.from('Bank')) && !raw.includes(Buffer.from('deletedAt')));

  // The trash survives a lock and unlock.
  vault.lock();
  await vault.unlock(PASSPHRASE);
  assert.deepEqual(
    vault.items.trash().map((i) => i.id),
    [bank.id],
  );

  backupChanges.length = 0;
  const restored = vault.items.restore(bank.id);
  assert.equal(restored.title, 'Bank');
  assert.deepEqual(backupChanges, ['items']);
  assert.deepEqual(vault.items.trash(), []);
  const back = vault.items.get(bank.id);
  assert.equal(back.secret, 'pin 9999');
  assert.equal(back.notes, 'joint');
  assert.equal(back.createdAt, bank.createdAt);
  assert.equal(Buffer.from(vault.items.attachment(bank.id, back.attachments[0]!.id).data).toString(), 'PNG');
  assert.deepEqual(
    vault.items.history(bank.id).map((h) => h.secret),
    ['pin 1234'],
  );
  assert.throws(() => vault.items.restore(bank.id), { code: 'NOT_FOUND' }, 'not in the trash any more');
  assert.throws(() => vault.items.purgeOne(bank.id), { code: 'NOT_FOUND' }, 'a live item is not purged');

  // Delete forever: the row, its files and its previous secrets go, in one transaction.
  vault.items.delete(bank.id);
  backupChanges.length = 0;
  vault.items.purgeOne(bank.id);
  assert.deepEqual(backupChanges, [], 'the backup did not hold it: nothing to re-send');
  assert.deepEqual(vault.items.trash(), []);
  assert.equal(count(store, 'items'), 1);
  assert.equal(count(store, 'attachments'), 0);
  assert.equal(count(store, 'item_history'), 0);
  assert.throws(() => vault.items.restore(bank.id), { code: 'NOT_FOUND' });
});

test('the trash is emptied after 30 days: on reading it, at unlock, and by purgeExpired (what the hourly sweep calls)', async (t) => {
  const { vault, store, clock, topics } = openClocked(t);
  await vault.create({ name: 'Ann', passphrase: PASSPHRASE });
  const make = (title: string) =>
    vault.items.create({
      title,
      secret: `${title} secret`,
      notes: '',
      tags: [],
      attachments: [{ name: 'f', mediaType: 'text/plain', data: Buffer.from(title) }],
    });
  const a = make('A');
  const b = make('B');
  vault.items.update(a.id, { secret: 'A2' });
  const t0 = clock.now;
  vault.items.delete(a.id);
  clock.now = t0 + 10 * DAY;
  vault.items.delete(b.id);
  assert.deepEqual(
    vault.items.trash().map((i) => i.title),
    ['B', 'A'],
    'most recently deleted first',
  );

  clock.now = t0 + 30 * DAY - 1;
  assert.equal(vault.items.trash().length, 2, 'one millisecond before 30 days it is still there');
  topics.length = 0;
  clock.now = t0 + 30 * DAY;
  assert.deepEqual(
    vault.items.trash().map((i) => i.title),
    ['B'],
  );
  assert.deepEqual(topics, ['items'], 'front ends re-read');
  assert.equal(count(store, 'items'), 1);
  assert.equal(count(store, 'attachments'), 1);
  assert.equal(count(store, 'item_history'), 0, 'its previous secrets went with it');

  // Locked past B's 30 days: emptied at the next unlock, before anyone reads the trash.
  vault.lock();
  clock.now = t0 + 40 * DAY;
  await vault.unlock(PASSPHRASE);
  assert.equal(count(store, 'items'), 0);
  assert.equal(count(store, 'attachments'), 0);

  // purgeExpired (what the hourly sweep calls) on its own.
  const c = make('C');
  vault.items.delete(c.id);
  assert.equal(vault.items.purgeExpired(), 0);
  clock.now += TRASH_KEEP_MS;
  assert.equal(vault.items.purgeExpired(), 1);
  assert.equal(count(store, 'items'), 0);
});

test('a replaced secret is kept with its date, sealed; the newest 10 are kept; other edits add nothing', async (t) => {
  const { vault, store, clock } = openClocked(t);
  await vault.create({ name: 'Ann', passphrase: PASSPHRASE });
  const item = vault.items.create({ title: 'Wi-Fi', secret: 'v0', notes: '', tags: [], attachments: [] });
  assert.deepEqual(vault.items.history(item.id), []);
  for (let i = 1; i <= 12; i++) {
    clock.now += 1000;
    vault.items.update(item.id, { secret: `v${i}` });
  }
  vault.items.update(item.id, { notes: 'router in the hall', secret: 'v12' }); // same secret: nothing kept
  const history = vault.items.history(item.id);
  assert.equal(history.length, 10);
  assert.deepEqual(
    history.map((h) => h.secret),
    ['v11', 'v10', 'v9', 'v8', 'v7', 'v6', 'v5', 'v4', 'v3', 'v2'],
  );
  assert.ok(history.every((h, i) => i === 0 || h.replacedAt < history[i - 1]!.replacedAt));
  assert.equal(history[0]!.replacedAt, Date.UTC(2026, 0, 1) + 12_000);

  // An empty secret is nothing to keep.
  const blank = vault.items.create({ title: 'Blank', secret: '', notes: '', tags: [], attachments: [] });
  vault.items.update(blank.id, { secret: 'now one' });
  assert.deepEqual(vault.items.history(blank.id), []);

  // One sealed row per item, under the vault key with its own associated data; no secret in the clear.
  const rows = store.db.prepare('SELECT item_id, sealed FROM item_history').all() as {
    item_id: string;
    sealed: Buffer;
  }[];
  assert.deepEqual(
    rows.map((r) => r.item_id),
    [item.id],
  );
  assert.ok(!rows[0]!.sealed.includes(Buffer.from('v11')));
  const key = vault.requireUnlocked().exposeKeyForWrapping();
  assert.match(open(key, rows[0]!.sealed, rowAd('item_history', item.id)).toString(), /"v11"/);
  assert.throws(() => open(key, rows[0]!.sealed, rowAd('item_history', blank.id)), 'bound to its item');

  // Kept across lock and unlock, and the item itself is unchanged.
  vault.lock();
  await vault.unlock(PASSPHRASE);
  assert.equal(vault.items.history(item.id).length, 10);
  assert.equal(vault.items.get(item.id).secret, 'v12');
});

test('a passphrase change re-seals previous secrets and trashed items: the old key opens none, both still work', async (t) => {
  const { vault, store } = openClocked(t);
  await vault.create({ name: 'Ann', passphrase: PASSPHRASE });
  const a = vault.items.create({ title: 'A', secret: 'a1', notes: '', tags: [], attachments: [] });
  vault.items.update(a.id, { secret: 'a2' });
  const b = vault.items.create({
    title: 'B',
    secret: 'b1',
    notes: '',
    tags: [],
    attachments: [{ name: 'f', mediaType: 'text/plain', data: Buffer.from('file of B') }],
  });
  vault.items.update(b.id, { secret: 'b2' });
  vault.items.delete(b.id);
  const oldKey = Buffer.from(vault.requireUnlocked().exposeKeyForWrapping());
  const history = () =>
    store.db.prepare('SELECT item_id, sealed FROM item_history ORDER BY item_id').all() as {
      item_id: string;
      sealed: Buffer;
    }[];
  const trashedRow = () =>
    (store.db.prepare('SELECT sealed FROM items WHERE id = ?').get(b.id) as { sealed: Buffer }).sealed;
  const before = history();
  assert.equal(before.length, 2);
  for (const r of before) open(oldKey, r.sealed, rowAd('item_history', r.item_id)); // control: opens now

  await vault.changePassphrase(PASSPHRASE, 'another passphrase entirely');

  const newKey = vault.requireUnlocked().exposeKeyForWrapping();
  for (const r of history()) {
    assert.throws(() => open(oldKey, r.sealed, rowAd('item_history', r.item_id)));
    open(newKey, r.sealed, rowAd('item_history', r.item_id));
  }
  assert.throws(() => open(oldKey, trashedRow(), rowAd('items', b.id)));
  open(newKey, trashedRow(), rowAd('items', b.id));

  // After a restart with the new passphrase, the trashed item comes back with its file and previous secret.
  vault.lock();
  await vault.unlock('another passphrase entirely');
  assert.deepEqual(
    vault.items.history(a.id).map((h) => h.secret),
    ['a1'],
  );
  vault.items.restore(b.id);
  const got = vault.items.get(b.id);
  assert.equal(got.secret, 'b2');
  assert.equal(
    Buffer.from(vault.items.attachment(b.id, got.attachments[0]!.id).data).toString(),
    'file of B',
  );
  assert.deepEqual(
    vault.items.history(b.id).map((h) => h.secret),
    ['b1'],
  );
});

test('the backup carries previous secrets (and reads snapshots without them); a restore brings them back', async (t) => {
  const source = openClocked(t);
  await source.vault.create({ name: 'Ann', passphrase: PASSPHRASE });
  const kept = source.vault.items.create({
    title: 'Kept',
    secret: 's1',
    notes: '',
    tags: [],
    attachments: [],
  });
  source.clock.now += 5000;
  source.vault.items.update(kept.id, { secret: 's2' });
  const plain = source.vault.items.create({
    title: 'Plain',
    secret: 'p',
    notes: '',
    tags: [],
    attachments: [],
  });
  const gone = source.vault.items.create({
    title: 'Gone',
    secret: 'g',
    notes: '',
    tags: [],
    attachments: [],
  });
  source.vault.items.delete(gone.id);

  const data = source.vault.exportSnapshotData();
  const snapshot: Snapshot = {
    identity: identityFromSecrets(data.identity.signSeed, data.identity.boxSecret),
    displayName: data.identity.name,
    contacts: [],
    items: data.items.map(({ attachmentCount: _n, history, ...item }) => ({
      ...item,
      ...(history.length ? { history } : {}),
    })),
    heldShards: [],
    settings: {},
  };
  const decoded = decodeSnapshot(encodeSnapshot(snapshot));
  assert.deepEqual(
    Object.fromEntries(decoded.items.map((i) => [i.title, i.history?.map((h) => [h.secret, h.replacedAt])])),
    { Kept: [['s1', Date.UTC(2026, 0, 1) + 5000]], Plain: undefined },
    'the trashed item is not in it',
  );
  // A snapshot without previous secrets is the format as it was: no `history` key anywhere.
  const old = encodeSnapshot({ ...snapshot, items: snapshot.items.map(({ history: _h, ...i }) => i) });
  assert.ok(!Buffer.from(old).includes(Buffer.from('history')));
  assert.ok(decodeSnapshot(old).items.every((i) => i.history === undefined));

  const target = openClocked(t);
  await target.vault.restore(
    {
      name: decoded.displayName,
      signSeed: decoded.identity.signSeed,
      boxSecret: decoded.identity.boxSecret,
      items: decoded.items,
      settings: decoded.settings,
    },
    PASSPHRASE,
  );
  assert.deepEqual(
    target.vault.items.history(kept.id).map((h) => h.secret),
    ['s1'],
  );
  assert.deepEqual(target.vault.items.history(plain.id), []);
  assert.deepEqual(target.vault.items.trash(), [], 'the trash stayed on the old device');
  assert.equal(count(target.store, 'item_history'), 1);
});
