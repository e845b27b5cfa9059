import { test } from 'node:test';
import assert from 'node:assert/strict';
import { contract } from '../../../shared/api/contract.ts';
import {
  isLongEnoughPassphrase,
  PASSPHRASE_MAX_LENGTH,
  PASSPHRASE_MIN_LENGTH,
  PASSPHRASE_TOO_LONG,
  PASSPHRASE_TOO_SHORT,
} from '../../../shared/passphrase-rules.ts';

/** Every op that takes a new passphrase. */
const NEW_PASSPHRASE = [
  { op: 'vault.create', args: (p: string) => ({ name: 'Sam', passphrase: p }) },
  { op: 'vault.changePassphrase', args: (p: string) => ({ current: 'x', next: p }) },
  { op: 'recovery.start', args: (p: string) => ({ passphrase: p }) },
] as const;

test('the screens’ and the CLI’s passphrase minimum is the one the contract enforces, in the same words', () => {
  for (const { op, args } of NEW_PASSPHRASE) {
    const schema = contract[op].input;
    for (const length of [0, PASSPHRASE_MIN_LENGTH - 1, PASSPHRASE_MIN_LENGTH, PASSPHRASE_MIN_LENGTH + 1]) {
      const passphrase = 'p'.repeat(length);
      const parsed = schema.safeParse(args(passphrase));
      assert.equal(parsed.success, isLongEnoughPassphrase(passphrase), `${op}, ${length} characters`);
      if (!parsed.success)
        assert.deepEqual(
          parsed.error.issues.map((i) => i.message),
          [PASSPHRASE_TOO_SHORT],
        );
    }
    const tooLong = schema.safeParse(args('p'.repeat(PASSPHRASE_MAX_LENGTH + 1)));
    assert.equal(tooLong.success, false);
    if (!tooLong.success)
      assert.deepEqual(
        tooLong.error.issues.map((i) => i.message),
        [PASSPHRASE_TOO_LONG],
      );
    assert.ok(schema.safeParse(args('p'.repeat(PASSPHRASE_MAX_LENGTH))).success);
  }
});

test('the minimum counts characters as the contract does (code points), so both sides agree on any text', () => {
  for (const count of [PASSPHRASE_MIN_LENGTH - 1, PASSPHRASE_MIN_LENGTH]) {
    const keys = '🔑'.repeat(count); // each is two UTF-16 code units
    const accepted = contract['vault.create'].input.safeParse({ name: 'Sam', passphrase: keys }).success;
    assert.equal(isLongEnoughPassphrase(keys), accepted, `${count} emoji`);
    assert.equal(accepted, count >= PASSPHRASE_MIN_LENGTH);
  }
});
