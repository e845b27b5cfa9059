import { test } from 'node:test';
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { databasePath } from '../../../electron/core/store/store.ts';
import { MAX_ATTACHMENT_BYTES } from '../../../shared/api/ops/items.ts';
import type { Item, ItemSummary } from '../../../shared/api/ops/items.ts';
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
  assert.deepEqual(got.attachments, [
    { name: 'card.png', mediaType: 'image/png', size: 7, dataBase64: b64('PNGDATA') },
  ]);

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
