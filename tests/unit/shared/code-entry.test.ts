/**
 * Codes are checked where they are typed or scanned: `checkCodeEntry` (shared/protocol/code-entry.ts) tells the
 * kind of mistake (the other kind of code, not a code at all, a wrong or missing character, expiry) in words with no
 * developer text, for both invites (PROTOCOL §8.3) and recovery codes (§11.1).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkCodeEntry } from '../../../shared/protocol/code-entry.ts';
import type { CodeKind } from '../../../shared/protocol/code-entry.ts';
import { decodeInvite } from '../../../shared/protocol/invite.ts';
import { decodeRecoveryCode } from '../../../shared/protocol/recovery-code.ts';
import { badCharacter, inviteCode, mistyped, recoveryCode, truncated } from '../../helpers/codes.ts';
import { assertNoJargon, findJargon } from '../../helpers/jargon.ts';

const NOW = Date.now();

function problemOf(kind: CodeKind, text: string): { problem: string; message: string } {
  const entry = checkCodeEntry(kind, text, NOW);
  assert.equal(entry.ok, false, `${JSON.stringify(text.slice(0, 40))} was accepted as a ${kind} code`);
  if (entry.ok) throw new Error('unreachable');
  assertNoJargon(entry.message, `the ${kind} field for ${JSON.stringify(text.slice(0, 30))}`);
  return entry;
}

test('a good invite and a good recovery code pass, also regrouped with spaces and lowercase', () => {
  const invite = inviteCode();
  const recovery = recoveryCode();
  assert.equal(checkCodeEntry('invite', invite, NOW).ok, true);
  assert.equal(checkCodeEntry('recovery', recovery, NOW).ok, true);
  const regrouped = recovery.replace('TESSERA-RECOVER:', 'tessera-recover: ').replace(/(.{8})/g, '$1 ');
  assert.equal(checkCodeEntry('recovery', regrouped.toLowerCase(), NOW).ok, true);
});

test('each field names the other kind of code', () => {
  const asRecovery = problemOf('recovery', inviteCode());
  assert.equal(asRecovery.problem, 'other-kind');
  assert.match(asRecovery.message, /^This is an invite, not a recovery code\./);
  const asInvite = problemOf('invite', recoveryCode());
  assert.equal(asInvite.problem, 'other-kind');
  assert.match(asInvite.message, /^This is a recovery code, not an invite\./);
});

test('text that is no code at all says what a code starts with', () => {
  for (const [kind, text] of [
    ['recovery', 'please help me'],
    ['invite', 'hi, it is Dana, add me!'],
    ['recovery', '12D3KooWQYhTNQdmr3ArTeUHRYzFg94BKyTkoWBDWez9kSCVe2Xo'],
  ] as const) {
    const { problem, message } = problemOf(kind, text);
    assert.equal(problem, 'not-a-code');
    assert.match(message, kind === 'invite' ? /starts with “TESSERA:”/ : /starts with “TESSERA-RECOVER:”/);
  }
});

test('a misread, a truncated copy and a foreign character each say a character is wrong or missing', () => {
  for (const kind of ['invite', 'recovery'] as const) {
    const code = kind === 'invite' ? inviteCode() : recoveryCode();
    for (const [how, text] of [
      ['mistyped', mistyped(code)],
      ['truncated by 9', truncated(code, 9)],
      ['truncated by 1', truncated(code, 1)],
      ['truncated by 2', truncated(code, 2)],
    ] as const) {
      const { problem, message } = problemOf(kind, text);
      assert.equal(problem, 'check-digits', `${kind} ${how}`);
      assert.match(message, /a character is wrong or missing .*\(the check digits do not match\)/i);
    }
    const foreign = problemOf(kind, badCharacter(code));
    assert.equal(foreign.problem, 'bad-character');
    assert.match(foreign.message, /“U” is never part of a Tessera code/);
    const stub = problemOf(kind, code.slice(0, code.indexOf(':') + 9));
    assert.equal(stub.problem, 'too-short');
  }
});

test('an expired code says when it expired, in the format the caller gives', () => {
  const at = NOW - 60_000;
  const invite = checkCodeEntry('invite', inviteCode({ expiresAt: at }), NOW, (ms) => `T${ms}`);
  assert.deepEqual(invite, {
    ok: false,
    problem: 'expired',
    expiredAt: at,
    message: `This invite expired at T${at}. Ask your friend to show you a new one.`,
  });
  const recovery = problemOf('recovery', recoveryCode({ expiresAt: at }));
  assert.equal(recovery.problem, 'expired');
  assert.match(recovery.message, /^This recovery code expired at .+\. Ask your friend/);
});

test('an empty field asks for the code', () => {
  assert.equal(problemOf('invite', '  ').problem, 'empty');
  assert.equal(problemOf('recovery', '').problem, 'empty');
});

test('the decoders the core runs give the same words (no encoder names or byte counts)', () => {
  for (const text of [
    mistyped(inviteCode()),
    truncated(inviteCode(), 3),
    badCharacter(inviteCode()),
    recoveryCode(),
    'TESSERA:' + 'Z'.repeat(5000),
  ]) {
    assert.throws(
      () => decodeInvite(text),
      (err: Error) =>
        findJargon(err.message).length === 0 && (err as { code?: string }).code === 'INVALID_CODE',
    );
  }
  assert.throws(
    () => decodeRecoveryCode(inviteCode()),
    (err: Error) => /^This is an invite, not a recovery code\./.test(err.message),
  );
});
