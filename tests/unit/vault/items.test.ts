import { test } from 'node:test';
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { databasePath } from '../../../electron/core/store/store.ts';
import { MAX_ATTACHMENT_BYTES } from '../../../shared/api/ops/items.ts';
import type { AttachmentContent, Item, ItemSummary } from '../../../shared/api/ops/items.ts';
import type { TesseraEvent } from '../../../shared/api/events.ts';
import { PASSPHRASE, expectError, expectOk, openCore, tempDir, useFastKdf } from './helpers.ts';

useFastKdf();

const b64 = (bytes: Uint8Array | string): string => Buffer.from(bytes).toString('base64');

test('items through the contract: create, get, update, delete, search; locked and missing items', async (t) => {
  const core = await openCore(t);
  expectError(await core.dispatch('items.list', {}), 'NO_VAULT');
  expectOk(await core.dispatch('vault.create', { name: 'Ann', passphrase: PASSPHRASE }));
  const events: TesseraEvent[] = [];
  core.subscribe((e) => events.push(e));

  const bank = expectOk<Item>(
    await core.dispatch('items.create', {
      title: 'Bank',
      secret: 'pin 1234',
      notes: 'Joint account with Sam',
      tags: ['money', 'family'],
      attachments: [{ name: 'card.png', mediaType: 'image/png', dataBase64: b64('PNGDATA') }],
    }),
  );
  assert.match(bank.id, /^[0-9a-f]{32}$/);
  assert.equal(bank.attachmentCount, 1);
  assert.deepEqual(events, [{ type: 'changed', topics: ['items'] }]);
  const mail = expectOk<Item>(await core.dispatch('items.create', { title: 'Email', secret: 'hunter2' }));
  assert.deepEqual(mail.tags, []);
  assert.equal(mail.notes, '');

  const got = expectOk<Item>(await core.dispatch('items.get', { id: bank.id }));
  assert.equal(got.secret, 'pin 1234');
  const cardId = got.attachments[0]?.id ?? '';
  assert.match(cardId, /^[0-9a-f]{32}$/);
  assert.deepEqual(bank.attachments, got.attachments, 'create answers what get lists');
  assert.deepEqual(got.attachments, [{ id: cardId, name: 'card.png', mediaType: 'image/png', size: 7 }]);
  assert.deepEqual(
    expectOk<AttachmentContent>(
      await core.dispatch('items.attachment', { id: bank.id, attachmentId: cardId }),
    ),
    {
      id: cardId,
      name: 'card.png',
      mediaType: 'image/png',
      size: 7,
      dataBase64: b64('PNGDATA'),
    },
  );

  const titles = async (query?: string): Promise<string[]> =>
    expectOk<ItemSummary[]>(await core.dispatch('items.list', query === undefined ? {} : { query })).map(
      (i) => i.title,
    );
  assert.deepEqual(await titles(), ['Bank', 'Email']);
  assert.deepEqual(await titles('FAMILY'), ['Bank']); // tag, case-insensitive
  assert.deepEqual(await titles('sam joint'), ['Bank']); // notes, every term
  assert.deepEqual(await titles('emai'), ['Email']); // title
  assert.deepEqual(await titles('hunter2'), []); // secrets are not searched
  assert.deepEqual(await titles('sam email'), []);

  const updated = expectOk<Item>(
    await core.dispatch('items.update', { id: bank.id, secret: 'pin 9999', attachments: [] }),
  );
  assert.equal(updated.secret, 'pin 9999');
  assert.equal(updated.title, 'Bank', 'fields left out are kept');
  assert.deepEqual(updated.tags, ['money', 'family']);
  assert.equal(updated.attachmentCount, 0);
  assert.ok(updated.updatedAt >= bank.updatedAt);
  assert.equal(updated.createdAt, bank.createdAt);
  const renamed = expectOk<Item>(await core.dispatch('items.update', { id: mail.id, title: 'Webmail' }));
  assert.equal(renamed.secret, 'hunter2');

  expectOk(await core.dispatch('items.delete', { id: mail.id }));
  expectError(await core.dispatch('items.get', { id: mail.id }), 'NOT_FOUND');
  expectError(await core.dispatch('items.delete', { id: mail.id }), 'NOT_FOUND');
  expectError(await core.dispatch('items.update', { id: mail.id, title: 'x' }), 'NOT_FOUND');
  assert.deepEqual(await titles(), ['Bank']);

  expectOk(await core.dispatch('vault.lock', {}));
  expectError(await core.dispatch('items.list', {}), 'LOCKED');
  expectError(await core.dispatch('items.get', { id: bank.id }), 'LOCKED');
  expectOk(await core.dispatch('vault.unlock', { passphrase: PASSPHRASE }));
  assert.equal(expectOk<Item>(await core.dispatch('items.get', { id: bank.id })).secret, 'pin 9999');
});

test('an item lists its files without their bytes; each is fetched alone, and an update keeps, reorders, adds and drops files', async (t) => {
  const dir = tempDir(t);
  const core = await openCore(t, dir);
  expectOk(await core.dispatch('vault.create', { name: 'Ann', passphrase: PASSPHRASE }));
  const files = ['passport', 'licence', 'deed'].map((name, i) => ({
    name: `${name}.pdf`,
    mediaType: 'application/pdf',
    dataBase64: b64(Buffer.alloc(300_000 + i, 0x61 + i)),
  }));
  const item = expectOk<Item>(
    await core.dispatch('items.create', { title: 'Papers', secret: '', attachments: files }),
  );
  const fetch = async (attachmentId: string) =>
    expectOk<AttachmentContent>(await core.dispatch('items.attachment', { id: item.id, attachmentId }));
  const [passport, licence, deed] = item.attachments.map((a) => a.id) as [string, string, string];
  assert.deepEqual(
    item.attachments.map((a) => [a.name, a.size]),
    [
      ['passport.pdf', 300_000],
      ['licence.pdf', 300_001],
      ['deed.pdf', 300_002],
    ],
  );
  assert.ok(!('dataBase64' in item.attachments[0]!), 'the item carries no file bytes');
  assert.equal((await fetch(licence)).dataBase64, files[1]!.dataBase64);

  // Keep the deed first, drop the passport, keep the licence, add a new file: only the new one's bytes are sent.
  const photo = { name: 'photo.jpg', mediaType: 'image/jpeg', dataBase64: b64('JPEG') };
  const rowsBefore = new Database(databasePath(dir), { readonly: true });
  t.after(() => rowsBefore.close());
  const sealedOf = (index: number) =>
    (
      rowsBefore
        .prepare('SELECT sealed FROM attachments WHERE item_id = ? AND position = ?')
        .get(item.id, index) as { sealed: Buffer }
    ).sealed;
  const deedSealed = sealedOf(2);
  const updated = expectOk<Item>(
    await core.dispatch('items.update', {
      id: item.id,
      attachments: [{ keep: deed }, { keep: licence }, photo],
    }),
  );
  assert.deepEqual(
    updated.attachments.map((a) => a.name),
    ['deed.pdf', 'licence.pdf', 'photo.jpg'],
  );
  assert.deepEqual(
    updated.attachments.slice(0, 2).map((a) => a.id),
    [deed, licence],
    'kept files keep their ids',
  );
  assert.equal((await fetch(deed)).dataBase64, files[2]!.dataBase64);
  assert.equal((await fetch(licence)).dataBase64, files[1]!.dataBase64);
  assert.equal((await fetch(updated.attachments[2]!.id)).dataBase64, photo.dataBase64);
  assert.ok(sealedOf(0).equals(deedSealed), 'a kept file keeps its sealed row; it is not re-encrypted');

  // A file the item no longer has (another window removed it) can be neither fetched nor kept; keeping one file
  // twice is refused. Nothing changes.
  const missing = expectError(
    await core.dispatch('items.attachment', { id: item.id, attachmentId: passport }),
    'NOT_FOUND',
  );
  assert.match(missing, /"Papers" no longer has that file/);
  const gone = expectError(
    await core.dispatch('items.update', {
      id: item.id,
      title: 'Changed',
      attachments: [{ keep: deed }, { keep: passport }],
    }),
    'NOT_FOUND',
  );
  assert.match(gone, /no longer has a file you kept/);
  expectError(
    await core.dispatch('items.update', { id: item.id, attachments: [{ keep: deed }, { keep: deed }] }),
    'BAD_REQUEST',
  );
  const after = expectOk<Item>(await core.dispatch('items.get', { id: item.id }));
  assert.equal(after.title, 'Papers');
  assert.deepEqual(
    after.attachments.map((a) => a.name),
    ['deed.pdf', 'licence.pdf', 'photo.jpg'],
  );

  // After a restart the kept and moved file still opens.
  await core.close();
  const again = await openCore(t, dir);
  expectOk(await again.dispatch('vault.unlock', { passphrase: PASSPHRASE }));
  const reopened = expectOk<AttachmentContent>(
    await again.dispatch('items.attachment', { id: item.id, attachmentId: deed }),
  );
  assert.equal(reopened.dataBase64, files[2]!.dataBase64);
});

test('items survive closing and reopening the core', async (t) => {
  const dir = tempDir(t);
  const first = await openCore(t, dir);
  expectOk(await first.dispatch('vault.create', { name: 'Ann', passphrase: PASSPHRASE }));
  const item = expectOk<Item>(await first.dispatch('items.create', { title: 'Kept', secret: 'k' }));
  await first.close();

  const second = await openCore(t, dir);
  const status = expectOk<{ state: string; identity: { name: string } }>(
    await second.dispatch('app.status', {}),
  );
  assert.equal(status.state, 'locked');
  assert.equal(status.identity.name, 'Ann');
  expectError(await second.dispatch('vault.unlock', { passphrase: 'wrong one' }), 'WRONG_PASSPHRASE');
  expectOk(await second.dispatch('vault.unlock', { passphrase: PASSPHRASE }));
  assert.equal(expectOk<Item>(await second.dispatch('items.get', { id: item.id })).secret, 'k');
});

test('attachments: exactly 1 MiB is accepted; one byte more is TOO_LARGE naming the file and the limit', async (t) => {
  const core = await openCore(t);
  expectOk(await core.dispatch('vault.create', { name: 'Ann', passphrase: PASSPHRASE }));
  const max = Buffer.alloc(MAX_ATTACHMENT_BYTES, 0x41);
  const ok = expectOk<Item>(
    await core.dispatch('items.create', {
      title: 'Scan',
      secret: '',
      attachments: [{ name: 'max.bin', dataBase64: b64(max) }],
    }),
  );
  assert.equal(ok.attachments[0]?.size, MAX_ATTACHMENT_BYTES);

  const message = expectError(
    await core.dispatch('items.create', {
      title: 'Too big',
      secret: '',
      attachments: [{ name: 'passport-scan.pdf', dataBase64: b64(Buffer.alloc(MAX_ATTACHMENT_BYTES + 1)) }],
    }),
    'TOO_LARGE',
  );
  assert.match(message, /passport-scan\.pdf/);
  assert.match(message, /1 MiB/);
  expectError(
    await core.dispatch('items.update', {
      id: ok.id,
      attachments: [{ name: 'big.bin', dataBase64: b64(Buffer.alloc(MAX_ATTACHMENT_BYTES + 1)) }],
    }),
    'TOO_LARGE',
  );
  expectError(
    await core.dispatch('items.create', {
      title: 'x',
      secret: '',
      attachments: [{ name: 'a', dataBase64: '!!!!' }],
    }),
    'BAD_REQUEST',
  );
  assert.deepEqual(
    expectOk<ItemSummary[]>(await core.dispatch('items.list', {})).map((i) => i.title),
    ['Scan'],
    'refused items were not stored',
  );
});

test('a sealed row moved to another id, or a removed attachment, is refused as DATABASE_CORRUPT', async (t) => {
  const dir = tempDir(t);
  const core = await openCore(t, dir);
  expectOk(await core.dispatch('vault.create', { name: 'Ann', passphrase: PASSPHRASE }));
  const a = expectOk<Item>(
    await core.dispatch('items.create', {
      title: 'A',
      secret: 'a',
      attachments: [{ name: 'f', dataBase64: b64('x') }],
    }),
  );
  const b = expectOk<Item>(await core.dispatch('items.create', { title: 'B', secret: 'b' }));
  const raw = new Database(databasePath(dir));
  t.after(() => raw.close());
  raw.prepare('DELETE FROM attachments WHERE item_id = ?').run(a.id);
  expectError(await core.dispatch('items.get', { id: a.id }), 'DATABASE_CORRUPT');
  raw
    .prepare('UPDATE items SET sealed = (SELECT sealed FROM items WHERE id = ?) WHERE id = ?')
    .run(a.id, b.id);
  expectError(await core.dispatch('items.get', { id: b.id }), 'DATABASE_CORRUPT');
});
