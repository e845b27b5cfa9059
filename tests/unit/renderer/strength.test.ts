import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadStrengthDictionaries, passphraseStrength } from '../../../renderer/src/lib/strength.ts';
import { counterRandom } from '../shared/helpers.ts';

test('before the dictionaries arrive, a long enough passphrase is being checked, never graded', () => {
  assert.equal(passphraseStrength('short').label, 'Too short');
  for (const passphrase of ['password1', 'gravel ostrich lantern fiddle umbra']) {
    const strength = passphraseStrength(passphrase);
    assert.equal(strength.label, 'Checking…', passphrase);
    assert.equal(strength.score, 0);
  }
});

test('common passwords and their usual disguises are weak, and say why', async () => {
  await loadStrengthDictionaries();
  for (const passphrase of [
    'password1',
    'qwertyuiop',
    'iloveyou2024',
    'Summer2024!',
    'passw0rd!',
    '12345678',
  ]) {
    const strength = passphraseStrength(passphrase);
    assert.equal(strength.label, 'Weak', passphrase);
    assert.equal(strength.score, 1, passphrase);
    assert.match(strength.hint, /Easy to guess/, passphrase);
  }
  assert.match(passphraseStrength('password1').hint, /commonly used password/);
  // Repeats and runs are patterns, not length.
  assert.equal(passphraseStrength('aaaaaaaaaaaaaaaa').score, 1);
  assert.equal(passphraseStrength('abcdefghijklmnop').score, 1);
  // The app's own name is among the first guesses.
  assert.ok(passphraseStrength('tessera2024').score <= 1);
});

test('a long random phrase is very strong; a famous short one is only fair', async () => {
  await loadStrengthDictionaries();
  assert.equal(passphraseStrength('gravel ostrich lantern fiddle umbra').label, 'Very strong');
  assert.equal(passphraseStrength('correct horse battery staple').score, 4);
  assert.equal(passphraseStrength('Tr0ub4dor&3').label, 'Fair');
  // Random characters from a password generator: longer is stronger.
  const random = counterRandom(7);
  const chars = 'abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789!#%&*+=?@';
  const generated = (n: number) => Array.from(random(n), (b) => chars[b % chars.length]).join('');
  const short = passphraseStrength(generated(10)).score;
  const long = passphraseStrength(generated(24)).score;
  assert.ok(short < long, `${short} < ${long}`);
  assert.equal(long, 4);
});

test('loading twice loads once, and a screen asking again on a re-render is answered from the last estimate', async () => {
  assert.equal(loadStrengthDictionaries(), loadStrengthDictionaries());
  await loadStrengthDictionaries();
  const first = passphraseStrength('gravel ostrich');
  assert.equal(passphraseStrength('gravel ostrich'), first);
  assert.notEqual(passphraseStrength('gravel ostriches'), first);
});
