/**
 * Item kinds through the core (shared/items/kinds.ts; docs/STORAGE.md, "Item kinds"; PROTOCOL §5.1), on real SQLite
 * files with real crypto: the contract takes and returns the kind fields, the core checks them against the item as
 * it becomes, the backup snapshot carries them and a restore brings them back, and an item or snapshot made before
 * kinds existed still reads, as the free-form kind.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { EventBus } from '../../../electron/core/event-bus.ts';
import { Store, databasePath } from '../../../electron/core/store/store.ts';
import { VaultService } from '../../../electron/core/vault/vault-service.ts';
import { FriendsStore } from '../../../electron/core/mesh/friends-store.ts';
import { CustodianStore } from '../../../electron/core/backup/custodian-store.ts';
import { assembleSnapshot } from '../../../electron/core/backup/snapshot-source.ts';
import { decodeItem, encodeItem } from '../../../electron/core/vault/items/codec.ts';
import { decodeSnapshot, encodeSnapshot } from '../../../shared/formats/snapshot.ts';
import { fromHex } from '../../../shared/crypto/bytes.ts';
import type { Item, ItemSummary } from '../../../shared/api/ops/items.ts';
import { FAST_ENV, PASSPHRASE, expectError, expectOk, openCore, tempDir, useFastKdf } from './helpers.ts';
import type { TestContext } from 'node:test';

useFastKdf();

const OTPAUTH = 'otpauth://totp/Mail:sam?secret=JBSWY3DPEHPK3PXP&issuer=Mail&period=30';
const SEED = 'legal winner thank year wave sausage worth useful legal winner thank yellow';

test('kinds through the contract: created, listed, read back, changed, and bad fields refused naming the field', async (t) => {
  const core = await openCore(t);
  expectOk(await core.dispatch('vault.create', { name: 'Ann', passphrase: PASSPHRASE }));
  const login = expectOk<Item>(
    await core.dispatch('items.create', {
      title: 'Mail',
      secret: 'pw',
      kind: 'login',
      username: 'sam@mail.test',
      urls: ['mail.test', 'https://webmail.test/login'],
    }),
  );
  assert.deepEqual(
    [login.kind, login.username, login.urls],
    ['login', 'sam@mail.test', ['mail.test', 'https://webmail.test/login']],
  );
  const code = expectOk<Item>(
    await core.dispatch('items.create', { title: 'Mail code', secret: OTPAUTH, kind: 'totp' }),
  );
  const seed = expectOk<Item>(
    await core.dispatch('items.create', { title: 'Wallet', secret: SEED, kind: 'seed' }),
  );
  expectOk(
    await core.dispatch('items.create', { title: 'Door', secret: '', notes: 'Code 1234', kind: 'note' }),
  );
  const plain = expectOk<Item>(await core.dispatch('items.create', { title: 'Plain', secret: 'x' }));
  assert.equal(plain.kind, 'secret', 'an item created without a kind is the free-form kind');
  assert.equal(plain.username, undefined);

  const listed = expectOk<ItemSummary[]>(await core.dispatch('items.list', {}));
  assert.deepEqual(
    listed.map((i) => [i.title, i.kind]),
    [
      ['Door', 'note'],
      ['Mail', 'login'],
      ['Mail code', 'totp'],
      ['Plain', 'secret'],
      ['Wallet', 'seed'],
    ],
  );
  assert.equal(expectOk<Item>(await core.dispatch('items.get', { id: seed.id })).secret, SEED);

  // Refused by the contract, naming the field.
  const bad = expectError(
    await core.dispatch('items.create', { title: 'X', secret: 'hello', kind: 'totp' }),
    'BAD_REQUEST',
  );
  // The secret of a one-time code is its otpauth:// address, as the editor labels it.
  assert.match(bad, /needs an otpauth:\/\/ address/);
  // Refused by the core against the item as it would become: a code item's secret replaced by a non-URI.
  assert.match(
    expectError(await core.dispatch('items.update', { id: code.id, secret: 'nope' }), 'BAD_REQUEST'),
    /otpauth/,
  );
  // A login turned into a note keeps nothing unseen: its user name and addresses must be cleared with it.
  assert.match(
    expectError(await core.dispatch('items.update', { id: login.id, kind: 'note' }), 'BAD_REQUEST'),
    /only a login has/,
  );
  const note = expectOk<Item>(
    await core.dispatch('items.update', { id: login.id, kind: 'note', username: '', urls: [] }),
  );
  assert.deepEqual([note.kind, note.username, note.urls], ['note', undefined, undefined]);
  // Fields left out of an update are kept, the kind too.
  const renamed = expectOk<Item>(await core.dispatch('items.update', { id: code.id, title: 'Mail 2FA' }));
  assert.deepEqual([renamed.kind, renamed.secret], ['totp', OTPAUTH]);
  // The other kinds take no user name.
  assert.match(
    expectError(await core.dispatch('items.update', { id: plain.id, username: 'sam' }), 'BAD_REQUEST'),
    /user name/,
  );
});

test('a sealed item payload from before kinds reads as the free-form kind; a default kind is not written', () => {
  const before = Buffer.from(
    JSON.stringify({
      v: 1,
      title: 'Old',
      secret: 's',
      notes: '',
      tags: [],
      createdAt: 1,
      updatedAt: 2,
      attachments: [],
    }),
  );
  const decoded = decodeItem('id', before);
  assert.equal(decoded.kind, undefined);
  assert.deepEqual(encodeItem(decoded), before, 'the same bytes as before kinds existed');
  const login = decodeItem('id', encodeItem({ ...decoded, kind: 'login', username: 'u', urls: ['a.test'] }));
  assert.deepEqual([login.kind, login.username, login.urls], ['login', 'u', ['a.test']]);
  assert.throws(() => decodeItem('id', encodeItem({ ...decoded, kind: 'card' as never })), {
    code: 'DATABASE_CORRUPT',
  });
});

function openVault(t: TestContext) {
  const store = Store.open(databasePath(tempDir(t)));
  const vault = new VaultService(store, new EventBus(), { env: FAST_ENV });
  t.after(() => {
    vault.close();
    store.close();
  });
  return { store, vault };
}

test('the backup snapshot carries kinds and login fields; a restore brings them back', async (t) => {
  const source = openVault(t);
  await source.vault.create({ name: 'Ann', passphrase: PASSPHRASE });
  const items = source.vault.items;
  const base = { notes: '', tags: [], attachments: [] };
  const login = items.create({
    ...base,
    title: 'Mail',
    secret: 'pw',
    kind: 'login',
    username: 'sam',
    urls: ['mail.test'],
  });
  const bare = items.create({ ...base, title: 'Bare login', secret: 'pw2', kind: 'login' });
  const code = items.create({ ...base, title: 'Code', secret: OTPAUTH, kind: 'totp' });
  const seed = items.create({ ...base, title: 'Wallet', secret: SEED, kind: 'seed' });
  const note = items.create({ ...base, title: 'Door', secret: '', notes: 'Code 1234', kind: 'note' });
  const plain = items.create({ ...base, title: 'Plain', secret: 'x' });

  const snapshot = assembleSnapshot(
    source.vault,
    new FriendsStore(source.store.db),
    new CustodianStore(source.store),
    [],
  );
  const bytes = encodeSnapshot(snapshot);
  const decoded = decodeSnapshot(bytes);
  const byTitle = Object.fromEntries(decoded.items.map((i) => [i.title, [i.kind, i.username, i.urls]]));
  assert.deepEqual(byTitle, {
    Mail: ['login', 'sam', ['mail.test']],
    'Bare login': ['login', undefined, undefined],
    Code: ['totp', undefined, undefined],
    Wallet: ['seed', undefined, undefined],
    Door: ['note', undefined, undefined],
    Plain: [undefined, undefined, undefined],
  });

  const target = openVault(t);
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
  const got = (id: string) => target.vault.items.get(id);
  assert.deepEqual(
    [got(login.id).kind, got(login.id).username, got(login.id).urls],
    ['login', 'sam', ['mail.test']],
  );
  assert.equal(got(bare.id).kind, 'login');
  assert.deepEqual([got(code.id).kind, got(code.id).secret], ['totp', OTPAUTH]);
  assert.deepEqual([got(seed.id).kind, got(seed.id).secret], ['seed', SEED]);
  assert.deepEqual([got(note.id).kind, got(note.id).notes], ['note', 'Code 1234']);
  assert.equal(got(plain.id).kind, 'secret');
  // Re-encoding the restored vault gives the same items (kinds survive a second round).
  const again = assembleSnapshot(
    target.vault,
    new FriendsStore(target.store.db),
    new CustodianStore(target.store),
    [],
  );
  assert.deepEqual(
    again.items.map(({ attachments: _a, ...i }) => i),
    decoded.items.map(({ attachments: _a, ...i }) => i),
  );
});

test('the kind fields are optional in the snapshot: strict about their shape, absent for the free-form kind', () => {
  const snapshot = decodeSnapshot(fromHex(vectorSmallSnapshotHex()));
  const one = snapshot.items[0]!;
  const withKind = (extra: object) => ({ ...snapshot, items: [{ ...one, ...extra }] });
  // "secret" is never written: the item encodes exactly as before kinds existed.
  assert.deepEqual(encodeSnapshot(withKind({ kind: 'secret' })), encodeSnapshot(withKind({})));
  assert.throws(
    () => encodeSnapshot(withKind({ kind: 'totp', username: 'u' })),
    /field "user" is only for a login/,
  );
  assert.throws(() => encodeSnapshot(withKind({ kind: 'card' })), /field "kind" must be one of/);
});

/** The snapshot of the frozen backup vector (PROTOCOL §7), written before item kinds existed. */
function vectorSmallSnapshotHex(): string {
  const vector = JSON.parse(readFileSync(new URL('../../vectors/backup.json', import.meta.url), 'utf8')) as {
    small: { snapshot: string };
  };
  return vector.small.snapshot;
}

test('a snapshot from before kinds (the frozen vector) still restores, every item the free-form kind', async (t) => {
  const snapshot = decodeSnapshot(fromHex(vectorSmallSnapshotHex()));
  assert.ok(snapshot.items.length > 0);
  const target = openVault(t);
  await target.vault.restore(
    {
      name: snapshot.displayName,
      signSeed: snapshot.identity.signSeed,
      boxSecret: snapshot.identity.boxSecret,
      // The vector's item ids are UUIDs (it exercises the format, whose ids are any text); the vault's are 32 hex.
      items: snapshot.items.map((i) => ({ ...i, id: i.id.replaceAll('-', '') })),
      settings: snapshot.settings,
    },
    PASSPHRASE,
  );
  const restored = target.vault.items.list();
  assert.equal(restored.length, snapshot.items.length);
  for (const summary of restored) {
    const item = target.vault.items.get(summary.id);
    const original = snapshot.items.find((i) => i.title === item.title)!;
    assert.deepEqual([item.kind, item.secret, item.notes], ['secret', original.secret, original.notes]);
  }
});
