/** Import and export through the contract, on a real vault (real SQLite, real crypto). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Item, ItemSummary } from '../../../shared/api/ops/items.ts';
import type { ImportPreview, ImportResult } from '../../../shared/api/ops/transfer.ts';
import type { TesseraCore } from '../../../electron/core/core.ts';
import { PASSPHRASE, expectError, expectOk, openCore, useFastKdf } from '../vault/helpers.ts';
import { describeKindCounts } from '../../../shared/items/kinds.ts';
import {
  BITWARDEN_CSV,
  BITWARDEN_JSON,
  KDBX_PASSWORD,
  KEEPASSXC_CSV,
  ONEPASSWORD_CSV,
  buildKdbx,
} from './fixtures.ts';

useFastKdf();

const b64 = (bytes: Uint8Array | string) => Buffer.from(bytes).toString('base64');

async function vaultWith(t: Parameters<typeof openCore>[0]): Promise<TesseraCore> {
  const core = await openCore(t);
  expectOk(await core.dispatch('vault.create', { name: 'Ann', passphrase: PASSPHRASE }));
  return core;
}

async function everything(core: TesseraCore) {
  const list = expectOk<ItemSummary[]>(await core.dispatch('items.list', {}));
  const out = [];
  for (const s of list) {
    const item = expectOk<Item>(await core.dispatch('items.get', { id: s.id }));
    const files = [];
    for (const a of item.attachments)
      files.push(expectOk(await core.dispatch('items.attachment', { id: item.id, attachmentId: a.id })));
    out.push({
      title: item.title,
      secret: item.secret,
      notes: item.notes,
      tags: item.tags,
      createdAt: item.createdAt,
      updatedAt: item.updatedAt,
      files: files.map((f) => ({ ...(f as object), id: undefined })),
      history: expectOk(await core.dispatch('items.history', { id: item.id })),
      kind: [item.kind, item.username, item.urls],
    });
  }
  return out;
}

test('preview names duplicates and fields put into notes; commit adds the rest in one go; a token works once', async (t) => {
  const core = await vaultWith(t);
  expectOk(await core.dispatch('items.create', { title: 'Mail', secret: 'm@il-pass' }));
  const preview = expectOk<ImportPreview>(
    await core.dispatch('items.importPreview', { format: 'keepass', dataBase64: b64(KEEPASSXC_CSV) }),
  );
  assert.equal(preview.source, 'KeePassXC CSV');
  assert.equal(preview.total, 3);
  assert.equal(preview.count, 2);
  assert.deepEqual(preview.duplicates, [{ title: 'Mail' }]);
  // User names, URLs and TOTP setups now have fields and kinds of their own: nothing went into the notes.
  assert.deepEqual(preview.intoNotes, []);
  assert.deepEqual(
    preview.items.map((i) => [i.title, i.kind, i.duplicate]),
    [
      ['Mail', 'login', true],
      ['Mail (one-time code)', 'totp', false],
      ['Router', 'login', false],
    ],
  );
  // The counts are of what will be added: the duplicate Mail login is not among them.
  assert.deepEqual(preview.kinds, { secret: 0, login: 1, totp: 1, seed: 0, note: 0 });
  assert.equal(
    expectOk<ItemSummary[]>(await core.dispatch('items.list', {})).length,
    1,
    'a preview changes nothing',
  );
  const result = expectOk<ImportResult>(await core.dispatch('items.importCommit', { token: preview.token }));
  assert.deepEqual(result, { imported: 2, duplicates: 1, skipped: 0 });
  assert.deepEqual(
    expectOk<ItemSummary[]>(await core.dispatch('items.list', {})).map((i) => [i.title, i.kind]),
    [
      ['Mail', 'secret'],
      ['Mail (one-time code)', 'totp'],
      ['Router', 'login'],
    ],
  );
  const router = expectOk<ItemSummary[]>(await core.dispatch('items.list', { query: 'Router' }))[0]!;
  const got = expectOk<Item>(await core.dispatch('items.get', { id: router.id }));
  assert.deepEqual([got.username, got.urls, got.notes], ['admin', ['http://192.168.1.1'], '']);
  expectError(await core.dispatch('items.importCommit', { token: preview.token }), 'BAD_REQUEST');
});

test('the preview counts the items to be added by kind, for each format; the counts sum to count', async (t) => {
  const core = await vaultWith(t);
  const kinds = async (format: string, data: Uint8Array | string, password?: string) => {
    const p = expectOk<ImportPreview>(
      await core.dispatch('items.importPreview', {
        format,
        dataBase64: b64(data),
        ...(password ? { password } : {}),
      }),
    );
    assert.equal(
      Object.values(p.kinds).reduce((a, b) => a + b, 0),
      p.count,
      `${p.source}: the kinds sum to the count`,
    );
    return { kinds: p.kinds, items: p.items.map((i) => [i.title, i.kind]) };
  };

  // Bitwarden JSON: a login with its TOTP setup, a secure note, a card (free-form).
  assert.deepEqual(await kinds('bitwarden', BITWARDEN_JSON), {
    kinds: { secret: 1, login: 1, totp: 1, seed: 0, note: 1 },
    items: [
      ['Bank', 'login'],
      ['Bank (one-time code)', 'totp'],
      ['Wifi note', 'note'],
      ['Visa', 'secret'],
    ],
  });
  // KeePassXC CSV: two logins, one with a TOTP column.
  assert.deepEqual(await kinds('keepass', KEEPASSXC_CSV), {
    kinds: { secret: 0, login: 2, totp: 1, seed: 0, note: 0 },
    items: [
      ['Mail', 'login'],
      ['Mail (one-time code)', 'totp'],
      ['Router', 'login'],
    ],
  });
  // Bitwarden CSV: Steam's steam:// setup cannot be computed, so it stays in the notes and makes no one-time code.
  assert.deepEqual((await kinds('bitwarden', BITWARDEN_CSV)).kinds, {
    secret: 0,
    login: 2,
    totp: 1,
    seed: 0,
    note: 1,
  });
  // 1Password CSV: an entry with only notes is a note.
  assert.deepEqual((await kinds('1password', ONEPASSWORD_CSV)).kinds, {
    secret: 0,
    login: 1,
    totp: 1,
    seed: 0,
    note: 1,
  });
  // KDBX: Mail (with its otp field) and VPN are logins; the recycled entry is not counted.
  assert.deepEqual((await kinds('keepass', await buildKdbx(), KDBX_PASSWORD)).kinds, {
    secret: 0,
    login: 2,
    totp: 1,
    seed: 0,
    note: 0,
  });
});

test('describeKindCounts names the kinds that have items, singular or plural', () => {
  assert.equal(
    describeKindCounts({ secret: 1, login: 12, totp: 3, seed: 0, note: 2 }),
    '1 secret, 12 logins, 3 one-time codes, 2 notes',
  );
  assert.equal(
    describeKindCounts({ secret: 0, login: 0, totp: 1, seed: 2, note: 0 }),
    '1 one-time code, 2 seed phrases',
  );
  assert.equal(describeKindCounts({ secret: 0, login: 0, totp: 0, seed: 0, note: 0 }), 'no items');
});

test('a wrong KDBX password, a truncated file or an unknown header change nothing', async (t) => {
  const core = await vaultWith(t);
  const kdbx = await buildKdbx();
  const before = await everything(core);
  assert.match(
    expectError(
      await core.dispatch('items.importPreview', {
        format: 'keepass',
        dataBase64: b64(kdbx),
        password: 'nope',
      }),
      'WRONG_PASSPHRASE',
    ),
    /unchanged/,
  );
  expectError(
    await core.dispatch('items.importPreview', {
      format: 'keepass',
      dataBase64: b64(kdbx.subarray(0, 500)),
      password: KDBX_PASSWORD,
    }),
    'BAD_REQUEST',
  );
  expectError(
    await core.dispatch('items.importPreview', { format: '1password', dataBase64: b64(BITWARDEN_JSON) }),
    'BAD_REQUEST',
  );
  assert.deepEqual(await everything(core), before);
  const ok = expectOk<ImportPreview>(
    await core.dispatch('items.importPreview', {
      format: 'keepass',
      dataBase64: b64(kdbx),
      password: KDBX_PASSWORD,
    }),
  );
  assert.equal(ok.count, 3);
  // A failed preview drops the one before it: its token no longer commits.
  expectError(
    await core.dispatch('items.importPreview', { format: 'keepass', dataBase64: b64('x') }),
    'BAD_REQUEST',
  );
  expectError(await core.dispatch('items.importCommit', { token: ok.token }), 'BAD_REQUEST');
  assert.deepEqual(await everything(core), before);
});

test('export → import into an empty vault gives the same items; plain export needs the confirmation', async (t) => {
  const core = await vaultWith(t);
  expectOk(
    await core.dispatch('items.create', {
      title: 'Bank',
      secret: 'pin 1234',
      notes: 'Joint',
      tags: ['money'],
      attachments: [{ name: 'card.png', mediaType: 'image/png', dataBase64: b64('PNGDATA') }],
    }),
  );
  const mail = expectOk<Item>(await core.dispatch('items.create', { title: 'Mail', secret: 'one' }));
  expectOk(await core.dispatch('items.update', { id: mail.id, secret: 'two' }));
  expectOk(
    await core.dispatch('items.create', {
      title: 'Shop',
      secret: 'sh0p',
      kind: 'login',
      username: 'ann',
      urls: ['shop.example', 'https://m.shop.example'],
    }),
  );
  expectOk(
    await core.dispatch('items.create', {
      title: 'Shop code',
      secret: 'otpauth://totp/Shop?secret=JBSWY3DPEHPK3PXP',
      kind: 'totp',
    }),
  );
  expectOk(
    await core.dispatch('items.create', {
      title: 'Wallet',
      secret: 'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about',
      kind: 'seed',
    }),
  );
  const original = await everything(core);
  // The kinds are part of what travels (PROTOCOL §12.1): the export → import below keeps them.
  assert.deepEqual(
    original.map((i) => [i.title, ...i.kind]),
    [
      ['Bank', 'secret', undefined, undefined],
      ['Mail', 'secret', undefined, undefined],
      ['Shop', 'login', 'ann', ['shop.example', 'https://m.shop.example']],
      ['Shop code', 'totp', undefined, undefined],
      ['Wallet', 'seed', undefined, undefined],
    ],
  );

  const exported = expectOk<{ dataBase64: string; items: number; encrypted: boolean }>(
    await core.dispatch('items.export', { passphrase: 'export pass' }),
  );
  assert.equal(exported.items, 5);
  assert.equal(exported.encrypted, true);
  assert.ok(Buffer.from(exported.dataBase64, 'base64').subarray(0, 14).toString() === 'TESSERA-EXPORT');
  expectError(await core.dispatch('items.export', { plain: true }), 'BAD_REQUEST');
  const plain = expectOk<{ dataBase64: string; encrypted: boolean }>(
    await core.dispatch('items.export', { plain: true, plainUnderstood: true }),
  );
  assert.equal(plain.encrypted, false);

  for (const [data, password] of [
    [exported.dataBase64, 'export pass'],
    [plain.dataBase64, undefined],
  ] as const) {
    const other = await vaultWith(t);
    if (password)
      expectError(
        await other.dispatch('items.importPreview', {
          format: 'tessera',
          dataBase64: data,
          password: 'wrong',
        }),
        'WRONG_PASSPHRASE',
      );
    const preview = expectOk<ImportPreview>(
      await other.dispatch('items.importPreview', {
        format: 'tessera',
        dataBase64: data,
        ...(password ? { password } : {}),
      }),
    );
    assert.equal(preview.count, 5);
    assert.deepEqual(preview.kinds, { secret: 2, login: 1, totp: 1, seed: 1, note: 0 });
    expectOk(await other.dispatch('items.importCommit', { token: preview.token }));
    assert.deepEqual(await everything(other), original);
  }
});
