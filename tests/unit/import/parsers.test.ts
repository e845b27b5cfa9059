/** Each importer on a file written the way its application writes it, and on broken ones. */
import { test } from 'node:test';
import * as kdbxweb from 'kdbxweb';
import assert from 'node:assert/strict';
import { parseImport } from '../../../electron/core/import/transfer-service.ts';
import {
  BITWARDEN_CSV,
  BITWARDEN_JSON,
  KDBX_PASSWORD,
  KEEPASSXC_CSV,
  ONEPASSWORD_CSV,
  buildKdbx,
} from './fixtures.ts';

const bytes = (s: string) => new TextEncoder().encode(s);

test('Bitwarden JSON: a login fills the login kind, its TOTP an item of its own, a secure note a note; card fields into the notes', async () => {
  const p = await parseImport('bitwarden', bytes(BITWARDEN_JSON));
  assert.equal(p.source, 'Bitwarden JSON');
  assert.deepEqual(p.entries[0], {
    title: 'Bank',
    secret: 'b4nk-pass',
    notes: 'Joint account\n\nPIN (hidden): 4321',
    tags: ['Banking'],
    kind: 'login',
    username: 'ann',
    urls: ['https://bank.example'],
  });
  assert.deepEqual(p.entries[1], {
    title: 'Bank (one-time code)',
    secret: 'otpauth://totp/Bank?secret=JBSWY3DPEHPK3PXP',
    notes: '',
    tags: ['Banking'],
    kind: 'totp',
  });
  assert.deepEqual(p.entries[2], {
    title: 'Wifi note',
    secret: '',
    notes: 'router in the hall',
    tags: [],
    kind: 'note',
  });
  // A card has no kind of its own yet: free-form, its fields in the notes.
  assert.equal(p.entries[3]?.kind, undefined);
  assert.equal(p.entries[3]?.secret, '4111111111111111');
  assert.match(p.entries[3]?.notes ?? '', /Expires: 4\/2030\nSecurity code: 123/);
  assert.deepEqual(p.intoNotes, ['Brand', 'Cardholder', 'Expires', 'PIN (hidden)', 'Security code']);
});

test('Bitwarden CSV, KeePassXC CSV and 1Password CSV fill logins, one-time codes and notes', async () => {
  const bw = await parseImport('bitwarden', bytes(BITWARDEN_CSV));
  assert.equal(bw.source, 'Bitwarden CSV');
  assert.deepEqual(bw.entries[0], {
    title: 'Mastodon',
    secret: 'm4st-pass',
    notes: 'line one\nline two\n\nrecovery: abc',
    tags: ['Social'],
    kind: 'login',
    username: 'ann@example.org',
    urls: ['https://mastodon.example', 'mastodon.example/@ann'],
  });
  // A bare base32 key becomes an otpauth:// URI with the RFC 6238 defaults.
  assert.deepEqual(bw.entries[1], {
    title: 'Mastodon (one-time code)',
    secret: 'otpauth://totp/Mastodon?secret=JBSWY3DPEHPK3PXP&algorithm=SHA1&digits=6&period=30',
    notes: '',
    tags: ['Social'],
    kind: 'totp',
  });
  // A setup Tessera cannot compute (Steam's scheme) stays readable in the notes.
  assert.deepEqual(
    [bw.entries[2]?.title, bw.entries[2]?.kind, bw.entries[2]?.notes],
    ['Steam', 'login', 'TOTP: steam://ABCDEFGH'],
  );
  assert.deepEqual(bw.entries[3], { title: 'Door code', secret: '', notes: '1234#', tags: [], kind: 'note' });
  assert.deepEqual(bw.intoNotes, ['TOTP', 'recovery']);

  const kp = await parseImport('keepass', bytes(`\uFEFF${KEEPASSXC_CSV}`));
  assert.equal(kp.source, 'KeePassXC CSV');
  assert.deepEqual(kp.entries[0], {
    title: 'Mail',
    secret: 'm@il-pass',
    notes: 'work "inbox"',
    tags: ['Work'],
    kind: 'login',
    username: 'ann',
    urls: ['https://mail.example'],
  });
  assert.deepEqual(
    [kp.entries[1]?.title, kp.entries[1]?.kind, kp.entries[1]?.secret],
    ['Mail (one-time code)', 'totp', 'otpauth://totp/Mail?secret=JBSWY3DP'],
  );
  assert.deepEqual(
    [kp.entries[2]?.kind, kp.entries[2]?.username, kp.entries[2]?.urls, kp.entries[2]?.tags],
    ['login', 'admin', ['http://192.168.1.1'], []],
  );
  assert.deepEqual(kp.intoNotes, []);

  const op = await parseImport('1password', bytes(ONEPASSWORD_CSV));
  assert.deepEqual(op.entries[0], {
    title: 'GitHub',
    secret: 'gh-pass',
    notes: 'personal account',
    tags: ['dev', 'work'],
    kind: 'login',
    username: 'ann',
    urls: ['https://github.com'],
  });
  assert.deepEqual(
    [op.entries[1]?.kind, op.entries[1]?.secret],
    ['totp', 'otpauth://totp/GitHub?secret=KRSXG5CTMVRXEZLU'],
  );
  // An entry with no password, user name or address is a note.
  assert.deepEqual(op.entries[2], {
    title: 'Shopping list',
    secret: '',
    notes: 'milk and eggs',
    tags: [],
    kind: 'note',
  });
  assert.deepEqual(op.unmapped, ['Favorite']);
});

test('KeePass KDBX 4 built with kdbxweb: logins, the otp field as a one-time code, groups as tags, recycle bin skipped', async () => {
  const file = await buildKdbx();
  const p = await parseImport('keepass', file, KDBX_PASSWORD);
  assert.equal(p.source, 'KeePass KDBX 4');
  assert.deepEqual(
    p.entries.map((e) => [e.title, e.kind, e.secret, e.username, e.urls, e.tags]),
    [
      ['Mail', 'login', 'm@il-pass', 'ann', ['https://mail.example'], []],
      ['Mail (one-time code)', 'totp', 'otpauth://totp/Mail?secret=JBSWY3DP', undefined, undefined, []],
      ['VPN', 'login', 'vpn-pass', undefined, undefined, ['Work']],
    ],
  );
  assert.equal(p.entries[0]?.notes, 'main inbox');
  assert.deepEqual(p.unmapped, ['attachments']);
});

test('a KDBX 3.1 database (AES-KDF, as older KeePass versions write it) reads as well', async () => {
  const db = kdbxweb.Kdbx.create(
    new kdbxweb.Credentials(kdbxweb.ProtectedValue.fromString(KDBX_PASSWORD)),
    'Ann',
  );
  db.setVersion(3);
  const entry = db.createEntry(db.getDefaultGroup());
  entry.fields.set('Title', 'Forum');
  entry.fields.set('UserName', 'ann');
  entry.fields.set('Password', kdbxweb.ProtectedValue.fromString('f0rum'));
  const p = await parseImport('keepass', new Uint8Array(await db.save()), KDBX_PASSWORD);
  assert.equal(p.source, 'KeePass KDBX 3');
  assert.deepEqual(
    p.entries.map((e) => [e.title, e.kind, e.secret, e.username]),
    [['Forum', 'login', 'f0rum', 'ann']],
  );
});

test('broken inputs get a message naming the problem', async () => {
  const file = await buildKdbx();
  await assert.rejects(parseImport('keepass', file, 'wrong'), {
    code: 'WRONG_PASSPHRASE',
    message: /password does not open/,
  });
  await assert.rejects(parseImport('keepass', file), { code: 'BAD_REQUEST', message: /needs its password/ });
  await assert.rejects(parseImport('keepass', file.subarray(0, file.length - 200), KDBX_PASSWORD), {
    code: 'BAD_REQUEST',
    message: /cut off or damaged/,
  });
  await assert.rejects(parseImport('keepass', file.subarray(0, 40), KDBX_PASSWORD), {
    message: /cut off or damaged/,
  });
  await assert.rejects(parseImport('bitwarden', bytes(BITWARDEN_JSON.slice(0, 200))), {
    message: /not valid JSON/,
  });
  await assert.rejects(parseImport('bitwarden', bytes('{"encrypted":true,"items":[]}')), {
    message: /encrypted/,
  });
  await assert.rejects(parseImport('bitwarden', bytes(KEEPASSXC_CSV)), {
    code: 'BAD_REQUEST',
    message: /unknown columns "Group", "Title".*missing columns "type"/,
  });
  await assert.rejects(parseImport('1password', bytes(ONEPASSWORD_CSV.replace('OTPAuth', 'Secret Key'))), {
    message: /unknown column "Secret Key"/,
  });
  await assert.rejects(parseImport('keepass', bytes(KEEPASSXC_CSV.slice(0, KEEPASSXC_CSV.length - 30))), {
    message: /cut off or damaged/,
  });
  // Cut off inside a quoted field (the notes' second line) or a row short of its columns.
  await assert.rejects(
    parseImport('bitwarden', bytes(BITWARDEN_CSV.slice(0, BITWARDEN_CSV.indexOf('line two')))),
    {
      code: 'BAD_REQUEST',
      message: /cut off or damaged \(an unclosed quote/,
    },
  );
  await assert.rejects(
    parseImport('1password', bytes(ONEPASSWORD_CSV.slice(0, ONEPASSWORD_CSV.indexOf(',true')))),
    {
      code: 'BAD_REQUEST',
      message: /Row 2 of the 1Password CSV file has 5 columns instead of 9/,
    },
  );
  await assert.rejects(parseImport('1password', bytes('')), { message: /empty/ });
  await assert.rejects(parseImport('1password', new Uint8Array([0x50, 0x4b, 3, 4])), { message: /1PUX/ });
  await assert.rejects(parseImport('keepass', new Uint8Array([0xff, 0xfe, 0x00, 0x41])), {
    message: /not text/,
  });
  await assert.rejects(parseImport('tessera', bytes('hello')), { message: /not a Tessera export/ });
});
