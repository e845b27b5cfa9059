/**
 * An item's sealed rows (items/item-rows.ts) on a real SQLite file under a real vault key: rows open only under the
 * id they were sealed for; the attachment rows must be exactly those the item lists, in order, or the vault's data
 * is reported corrupt; a trashed item is not opened as a live one, nor a live one as trashed. And the views of an
 * item (items/item-views.ts): a trash entry is purged TRASH_KEEP_MS after it was deleted.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { NotFoundError } from '../../../shared/errors.ts';
import { TRASH_DAYS } from '../../../shared/api/ops/items.ts';
import { Store, databasePath } from '../../../electron/core/store/store.ts';
import { VaultDataCorruptError } from '../../../electron/core/vault/errors.ts';
import { ItemRepo } from '../../../electron/core/vault/items/item-repo.ts';
import { ItemRows, newId } from '../../../electron/core/vault/items/item-rows.ts';
import { TRASH_KEEP_MS, toCached, toItem, toTrashed } from '../../../electron/core/vault/items/item-views.ts';
import type { ItemPayload } from '../../../electron/core/vault/items/codec.ts';
import { VaultSession } from '../../../electron/core/vault/session.ts';
import { tempDir } from './helpers.ts';

function open(t: TestContext): { repo: ItemRepo; rows: ItemRows; session: VaultSession } {
  const store = Store.open(databasePath(tempDir(t, 'tessera-item-rows-')));
  const session = new VaultSession(randomBytes(32));
  t.after(() => {
    session.wipe();
    store.close();
  });
  const repo = new ItemRepo(store.db);
  return { repo, rows: new ItemRows(repo), session };
}

const file = (name: string) => ({ name, mediaType: 'text/plain', data: new Uint8Array(Buffer.from(name)) });

function payload(attachments: string[], deletedAt?: number): ItemPayload {
  return {
    title: 'Bank',
    secret: 's3cret',
    notes: 'n',
    tags: ['money'],
    createdAt: 1,
    updatedAt: 2,
    attachments,
    ...(deletedAt === undefined ? {} : { deletedAt }),
  };
}

test('an item, its files and its previous secrets open under the ids they were sealed for', (t) => {
  const { repo, rows, session } = open(t);
  const id = newId();
  const ids = [newId(), newId()];
  const p = payload(ids);
  repo.insert(id, rows.seal(session, id, p));
  rows
    .sealAttachments(session, id, ids, [file('a.txt'), file('b.txt')])
    .forEach((s, i) => repo.insertAttachment(id, ids[i]!, i, s));
  repo.putHistory(id, rows.sealHistory(session, id, [{ secret: 'old', replacedAt: 1 }]));

  assert.deepEqual(rows.openLive(session, id), p);
  const listed = rows.attachments(id, p);
  assert.deepEqual(
    listed.map((r) => rows.openAttachment(session, id, r).name),
    ['a.txt', 'b.txt'],
  );
  assert.deepEqual(rows.attachmentInfo(session, id, listed[1]!), {
    id: ids[1],
    name: 'b.txt',
    mediaType: 'text/plain',
    size: 5,
  });
  assert.deepEqual(rows.history(session, id), [{ secret: 'old', replacedAt: 1 }]);

  // A row copied under another item's id does not open: the id is bound into its associated data.
  const other = newId();
  repo.insert(other, rows.seal(session, id, p));
  assert.throws(() => rows.openLive(session, other), VaultDataCorruptError);
});

test("the stored size counts every item's and file's sealed bytes, without opening them", (t) => {
  const { repo, rows, session } = open(t);
  assert.equal(repo.storedBytes(), 0);
  const id = newId();
  const ids = [newId()];
  const big = { name: 'scan.pdf', mediaType: 'application/pdf', data: new Uint8Array(randomBytes(300_000)) };
  const sealedItem = rows.seal(session, id, payload(ids));
  const [sealedFile] = rows.sealAttachments(session, id, ids, [big]);
  repo.insert(id, sealedItem);
  repo.insertAttachment(id, ids[0]!, 0, sealedFile!);
  assert.equal(repo.storedBytes(), sealedItem.length + sealedFile!.length);
  assert.ok(repo.storedBytes() > big.data.length);
});

test('attachment rows must be the ones the item lists, in order', (t) => {
  const { repo, rows, session } = open(t);
  const id = newId();
  const ids = [newId(), newId()];
  repo.insert(id, rows.seal(session, id, payload(ids)));
  repo.insertAttachment(id, ids[0]!, 0, rows.sealAttachment(session, id, ids[0]!, file('a.txt')));
  assert.throws(() => rows.attachments(id, payload(ids)), VaultDataCorruptError, 'one is missing');
  repo.insertAttachment(id, ids[1]!, 1, rows.sealAttachment(session, id, ids[1]!, file('b.txt')));
  assert.equal(rows.attachments(id, payload(ids)).length, 2);
  assert.throws(() => rows.attachments(id, payload([ids[1]!, ids[0]!])), VaultDataCorruptError, 'reordered');
  assert.throws(
    () => rows.checkListed(id, payload(ids), [...ids, newId()]),
    VaultDataCorruptError,
    'one more',
  );
});

test('a trashed item opens only as trashed, a live one only as live', (t) => {
  const { repo, rows, session } = open(t);
  const live = newId();
  const trashed = newId();
  repo.insert(live, rows.seal(session, live, payload([])));
  repo.insert(trashed, rows.seal(session, trashed, payload([], 1_000)));
  assert.equal(rows.openTrashed(session, trashed).deletedAt, 1_000);
  assert.throws(
    () => rows.openLive(session, trashed),
    (err: unknown) => {
      assert.ok(err instanceof NotFoundError);
      assert.match(err.message, /"Bank" is in the trash/);
      return true;
    },
  );
  assert.throws(() => rows.openTrashed(session, live), NotFoundError);
  assert.throws(() => rows.openLive(session, newId()), NotFoundError);
});

test('the views of an item: no secret in the cached summary; a trash entry is purged TRASH_DAYS later', () => {
  const p = payload(['x']);
  const cached = toCached('id', p);
  assert.equal('secret' in cached, false);
  assert.deepEqual([cached.attachmentCount, cached.updatedAt], [1, 2]);
  assert.equal(TRASH_KEEP_MS, TRASH_DAYS * 24 * 60 * 60 * 1000);
  const entry = toTrashed('id', p, 5_000);
  assert.deepEqual([entry.deletedAt, entry.purgeAt], [5_000, 5_000 + TRASH_KEEP_MS]);
  entry.tags.push('changed');
  assert.deepEqual(p.tags, ['money'], 'the entry has its own tags');
  const item = toItem('id', p, ['file']);
  assert.deepEqual([item.secret, item.attachmentCount, item.attachments], ['s3cret', 1, ['file']]);
});
