/** Each importer on a file written the way its application writes it, and on broken ones. */
import { test } from 'node:test';
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

test('Bitwarden JSON: logins, notes and cards; user name, URL, TOTP and fields into the notes; folder as tag', async () => {
  const p = await parseImport('bitwarden', bytes(BITWARDEN_JSON));
  assert.equal(p.source, 'Bitwarden JSON');
  assert.deepEqual(p.entries[0], {
    title: 'Bank',
    secret: 'b4nk-pass',
    notes:
      'Joint account\n\nUsername: ann\nURL: https://bank.example\nTOTP: otpauth://totp/Bank?secret=JBSWY3DPEHPK3PXP\nPIN (hidden): 4321',
    tags: ['Banking'],
  });
  assert.deepEqual(p.entries[1], { title: 'Wifi note', secret: '', notes: 'router in the hall', tags: [] });
  assert.equal(p.entries[2]?.secret, '4111111111111111');
  assert.match(p.entries[2]?.notes ?? '', /Expires: 4\/2030\nSecurity code: 123/);
  assert.ok(p.intoNotes.includes('TOTP') && p.intoNotes.includes('Username') && p.intoNotes.includes('URL'));
});

test('Bitwarden CSV, KeePassXC CSV and 1Password CSV', async () => {
  const bw = await parseImport('bitwarden', bytes(BITWARDEN_CSV));
  assert.equal(bw.source, 'Bitwarden CSV');
  assert.deepEqual(bw.entries[0], {
    title: 'Mastodon',
    secret: 'm4st-pass',
    notes: 'line one\nline two\n\nUsername: ann@example.org\nURL: https://mastodon.example\nrecovery: abc',
    tags: ['Social'],
  });
  assert.deepEqual(bw.entries[1], { title: 'Door code', secret: '', notes: '1234#', tags: [] });

  const kp = await parseImport('keepass', bytes(`\uFEFF${KEEPASSXC_CSV}`));
  assert.equal(kp.source, 'KeePassXC CSV');
  assert.deepEqual(kp.entries[0], {
    title: 'Mail',
    secret: 'm@il-pass',
    notes: 'work "inbox"\n\nUsername: ann\nURL: https://mail.example\nTOTP: otpauth://totp/Mail?secret=ABC',
    tags: ['Work'],
  });
  assert.deepEqual(kp.entries[1]?.tags, []);

  const op = await parseImport('1password', bytes(ONEPASSWORD_CSV));
  assert.deepEqual(op.entries[0], {
    title: 'GitHub',
    secret: 'gh-pass',
    notes:
      'personal account\n\nUsername: ann\nURL: https://github.com\nTOTP: otpauth://totp/GitHub?secret=XYZ',
    tags: ['dev', 'work'],
  });
  assert.deepEqual(op.unmapped, ['Favorite']);
});

test('KeePass KDBX 4 built with kdbxweb: entries, groups as tags, recycle bin skipped, attachments named', async () => {
  const file = await buildKdbx();
  const p = await parseImport('keepass', file, KDBX_PASSWORD);
  assert.equal(p.source, 'KeePass KDBX 4');
  assert.deepEqual(
    p.entries.map((e) => [e.title, e.secret, e.tags]),
    [
      ['Mail', 'm@il-pass', []],
      ['VPN', 'vpn-pass', ['Work']],
    ],
  );
  assert.equal(
    p.entries[0]?.notes,
    'main inbox\n\nUsername: ann\nURL: https://mail.example\notp: otpauth://totp/Mail?secret=JBSWY3DP',
  );
  assert.deepEqual(p.unmapped, ['attachments']);
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
  await assert.rejects(parseImport('1password', bytes('')), { message: /empty/ });
  await assert.rejects(parseImport('1password', new Uint8Array([0x50, 0x4b, 3, 4])), { message: /1PUX/ });
  await assert.rejects(parseImport('keepass', new Uint8Array([0xff, 0xfe, 0x00, 0x41])), {
    message: /not text/,
  });
  await assert.rejects(parseImport('tessera', bytes('hello')), { message: /not a Tessera export/ });
});
