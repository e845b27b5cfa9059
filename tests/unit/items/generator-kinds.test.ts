/**
 * The password generator (shared/items/password-generator.ts) and the kinds' checks (shared/items/kinds.ts, used by
 * the contract). The generator runs on the system's random source, as in the app; statistical checks use bounds that
 * a correct generator misses about once in a million runs, and a deterministic source shows the rejection step.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { contract } from '../../../shared/api/contract.ts';
import {
  CHARACTER_SETS,
  GeneratorOptionsError,
  generatePassphrase,
  generatePassword,
  PASSPHRASE_WORDS,
  uniformInt,
  type CharacterSet,
} from '../../../shared/items/password-generator.ts';
import { assertKindFields, ItemKindFieldsError, kindProblems } from '../../../shared/items/kinds.ts';

/** Chi-square critical value at p ≈ 1e-6 (Wilson–Hilferty, z = 4.75). */
function chiSquareLimit(df: number): number {
  const z = 4.75;
  return df * (1 - 2 / (9 * df) + z * Math.sqrt(2 / (9 * df))) ** 3;
}

function chiSquare(counts: number[], expected: number): number {
  return counts.reduce((sum, c) => sum + (c - expected) ** 2 / expected, 0);
}

test('uniformInt rejects draws in the incomplete last block instead of folding them (no modulo bias)', () => {
  // n = 3·2^30: a modulo of a 32-bit draw would give [0, 2^30) twice the chance of each other third.
  const n = 3 * 2 ** 30;
  const thirds = [0, 0, 0];
  const draws = 30_000;
  for (let i = 0; i < draws; i++) thirds[Math.floor(uniformInt(n) / 2 ** 30)]!++;
  const sd = Math.sqrt(draws * (1 / 3) * (2 / 3));
  for (const count of thirds) assert.ok(Math.abs(count - draws / 3) < 5 * sd, `thirds ${thirds.join(', ')}`);

  // A source whose first draw is in the rejected block (≥ 3·2^30) and second is 5: the result is 5, not 2^30 + 5.
  const bytes = [0xff, 0xff, 0xff, 0xff, 0, 0, 0, 5];
  let at = 0;
  const source = (k: number) => Uint8Array.from(bytes.slice(at, (at += k)));
  assert.equal(uniformInt(n, source), 5);
  assert.equal(at, 8);
});

test('every character of the chosen sets is equally likely (chi-square)', () => {
  const sets: CharacterSet[] = ['lower', 'upper', 'digits', 'symbols'];
  const alphabet = sets.map((s) => CHARACTER_SETS[s]).join('');
  const counts = new Map<string, number>([...alphabet].map((c) => [c, 0]));
  let total = 0;
  for (let i = 0; i < 400; i++)
    for (const c of generatePassword({ length: 128, sets })) {
      counts.set(c, counts.get(c)! + 1);
      total++;
    }
  const stat = chiSquare([...counts.values()], total / alphabet.length);
  assert.ok(stat < chiSquareLimit(alphabet.length - 1), `chi-square ${stat.toFixed(1)}`);
});

test('passwords have the length asked for, only characters of the chosen sets, and one of each set', () => {
  const cases: { length: number; sets: CharacterSet[] }[] = [
    { length: 8, sets: ['lower', 'upper', 'digits', 'symbols'] },
    { length: 20, sets: ['digits'] },
    { length: 128, sets: ['lower', 'symbols'] },
    { length: 16, sets: ['upper', 'digits'] },
  ];
  for (const { length, sets } of cases)
    for (let i = 0; i < 200; i++) {
      const password = generatePassword({ length, sets });
      assert.equal([...password].length, length);
      const allowed = sets.map((s) => CHARACTER_SETS[s]).join('');
      assert.ok(
        [...password].every((c) => allowed.includes(c)),
        password,
      );
      for (const s of sets)
        assert.ok(
          [...CHARACTER_SETS[s]].some((c) => password.includes(c)),
          `${s} in ${password}`,
        );
    }
});

test('passphrases are words of the BIP-39 English list, each equally likely', () => {
  const phrase = generatePassphrase({ words: 6, separator: '-' });
  const words = phrase.split('-');
  assert.equal(words.length, 6);
  assert.ok(
    words.every((w) => PASSPHRASE_WORDS.includes(w)),
    phrase,
  );
  assert.equal(PASSPHRASE_WORDS.length, 2048);
  // Word positions in the list, in 64 bins of 32 words: uniform (chi-square, 63 degrees of freedom).
  const bins = new Array<number>(64).fill(0);
  const index = new Map(PASSPHRASE_WORDS.map((w, i) => [w, i]));
  let total = 0;
  for (let i = 0; i < 2000; i++)
    for (const w of generatePassphrase({ words: 12, separator: ' ' }).split(' ')) {
      bins[Math.floor(index.get(w)! / 32)]!++;
      total++;
    }
  assert.ok(chiSquare(bins, total / 64) < chiSquareLimit(63));
});

test('out-of-range generator settings are refused naming the setting', () => {
  assert.throws(() => generatePassword({ length: 7, sets: ['lower'] }), GeneratorOptionsError);
  assert.throws(() => generatePassword({ length: 129, sets: ['lower'] }), /length must be 8 to 128/);
  assert.throws(() => generatePassword({ length: 12, sets: [] }), /at least one set/);
  assert.throws(() => generatePassphrase({ words: 2, separator: '-' }), /3 to 24 words/);
});

test('kind checks: a login has a user name and addresses, the others do not; a one-time code needs otpauth', () => {
  assert.deepEqual(
    kindProblems({ kind: 'login', secret: 'pw', username: 'sam', urls: ['example.com', 'https://a.test/x'] }),
    [],
  );
  assert.deepEqual(
    kindProblems({ kind: 'login', secret: '', urls: ['https://ok.test', 'two words'] }).map((p) => p.field),
    ['urls'],
  );
  assert.deepEqual(
    kindProblems({ kind: 'note', secret: '', username: 'sam' }).map((p) => p.field),
    ['username'],
  );
  const totp = kindProblems({ kind: 'totp', secret: 'JBSWY3DPEHPK3PXP' });
  assert.deepEqual(
    totp.map((p) => p.field),
    ['secret'],
  );
  assert.match(totp[0]!.message, /otpauth:\/\//);
  // A seed phrase whose checksum fails is not refused (a warning only, shared/items/seed.ts).
  assert.deepEqual(kindProblems({ kind: 'seed', secret: 'these are not bip39 words' }), []);
  assert.throws(
    () => assertKindFields({ kind: 'secret', secret: 'x', urls: ['a.test'] }),
    (err: unknown) =>
      err instanceof ItemKindFieldsError && err.code === 'BAD_REQUEST' && err.problems[0]!.field === 'urls',
  );
});

test('the contract takes the new fields as optional and reports kind problems on their field', () => {
  const create = contract['items.create'].input;
  // An item as scripts sent it before kinds existed is still accepted, unchanged.
  const old = create.parse({ title: 'Old', secret: 's' });
  assert.equal(old.kind, undefined);
  const login = create.parse({
    title: 'Mail',
    secret: 'pw',
    kind: 'login',
    username: 'sam',
    urls: ['mail.test'],
  });
  assert.deepEqual([login.kind, login.username, login.urls], ['login', 'sam', ['mail.test']]);
  const bad = create.safeParse({ title: 'Code', secret: 'hello', kind: 'totp' });
  assert.equal(bad.success, false);
  assert.deepEqual(
    bad.error!.issues.map((i) => i.path),
    [['secret']],
  );
  assert.equal(create.safeParse({ title: 'X', secret: '', kind: 'card' }).success, false);
  // Results from a core that predates kinds (no `kind`) still parse.
  assert.equal(
    contract['items.get'].output.safeParse({
      id: 'a'.repeat(32),
      title: 't',
      tags: [],
      attachmentCount: 0,
      updatedAt: 1,
      secret: '',
      notes: '',
      attachments: [],
      createdAt: 1,
    }).success,
    true,
  );
});
