/**
 * No developer text reaches a person (shared/errors.ts: messages are for people and say what to do next). Every API
 * operation is called through a real core's dispatcher with bad arguments of every kind, locked out and unlocked;
 * codes of every wrong kind go to the operations that take codes; a recovery session that has ended is dialled. No
 * message may hold an operation name, a schema path, zod's wording, socket or libp2p words, encoder names or stack
 * frames (tests/helpers/jargon.ts); the error codes stay those of shared/errors.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { z } from 'zod';
import { TesseraCore } from '../../../electron/core/core.ts';
import { describeDialFailure, SESSION_ENDED_MESSAGE } from '../../../electron/core/recovery/errors.ts';
import { contract, OP_NAMES } from '../../../shared/api/contract.ts';
import type { OpName } from '../../../shared/api/contract.ts';
import { isErrorCode, TesseraError } from '../../../shared/errors.ts';
import { badCharacter, inviteCode, mistyped, recoveryCode, truncated } from '../../helpers/codes.ts';
import { findJargon } from '../../helpers/jargon.ts';

process.env.TESSERA_INSECURE_FAST_KDF = '1';
process.env.TESSERA_MDNS = '0';

const PEER = '12D3KooWQYhTNQdmr3ArTeUHRYzFg94BKyTkoWBDWez9kSCVe2Xo';

/** Values no field accepts in some way: wrong types, too long, empty, negative, lists of the wrong thing. */
const BAD_VALUES: unknown[] = [
  42,
  'x'.repeat(1_500_000),
  '',
  -1,
  1.5,
  true,
  null,
  {},
  [],
  [42],
  ['x'.repeat(300)],
  [{ name: '', dataBase64: 'A'.repeat(1_500_000) }],
  [{ keep: 'nope' }],
];

/** Bad arguments for `op`: whole inputs of the wrong type, then each field set to each bad value. */
function badInputs(op: OpName): unknown[] {
  const schema = contract[op].input as z.ZodType & { shape?: Record<string, unknown> };
  const inputs: unknown[] = [42, 'text', [], { unexpected: 'x'.repeat(10) }];
  for (const key of Object.keys(schema.shape ?? {}))
    for (const value of BAD_VALUES) inputs.push({ [key]: value });
  // Only what the contract refuses: a valid call would run (and, say, lock the vault mid-sweep).
  return inputs.filter((input) => !schema.safeParse(input).success);
}

interface Refusal {
  op: string;
  input: string;
  code: string;
  message: string;
}

async function sweep(core: TesseraCore): Promise<Refusal[]> {
  const refusals: Refusal[] = [];
  for (const op of OP_NAMES) {
    for (const input of badInputs(op)) {
      const envelope = await core.dispatch(op, input);
      assert.equal(envelope.ok, false, `${op} accepted ${JSON.stringify(input).slice(0, 80)}`);
      if (envelope.ok) continue;
      refusals.push({ op, input: JSON.stringify(input).slice(0, 80), ...envelope.error });
    }
  }
  return refusals;
}

function jargonIn(refusals: Refusal[]): string[] {
  return refusals.flatMap((r) => {
    const found = findJargon(r.message);
    return found.length ? [`${r.op} ${r.input} → ${found.join(', ')}: ${r.message.slice(0, 300)}`] : [];
  });
}

async function withCore(fn: (core: TesseraCore) => Promise<void>): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'tessera-jargon-'));
  const core = await TesseraCore.open({ dataDir, listen: ['/ip4/127.0.0.1/tcp/0'] });
  try {
    await fn(core);
  } finally {
    await core.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function refusal(
  core: TesseraCore,
  op: OpName,
  input: unknown,
): Promise<{ code: string; message: string }> {
  const envelope = await core.dispatch(op, input);
  assert.equal(envelope.ok, false, `${op} should refuse`);
  if (envelope.ok) throw new Error('unreachable');
  return envelope.error;
}

test('every operation refuses bad arguments in words, with no vault and with an unlocked one', async () => {
  await withCore(async (core) => {
    const before = await sweep(core);
    assert.ok(before.length > OP_NAMES.length * 5, `only ${before.length} refusals`);
    assert.deepEqual(jargonIn(before), []);
    assert.ok(before.every((r) => isErrorCode(r.code)));

    const created = await core.dispatch('vault.create', {
      name: 'Alice',
      passphrase: 'correct horse battery',
    });
    assert.equal(created.ok, true);
    const after = await sweep(core);
    assert.deepEqual(jargonIn(after), []);
    assert.ok(after.every((r) => r.code === 'BAD_REQUEST'));
  });
});

test('the refusals people met name the file and the notes, and say what to do', async () => {
  await withCore(async (core) => {
    await core.dispatch('vault.create', { name: 'Alice', passphrase: 'correct horse battery' });
    const file = await refusal(core, 'items.create', {
      title: 'Passport',
      secret: '',
      attachments: [
        { name: 'small.txt', dataBase64: 'ZmluZQ==' },
        { name: 'scan.pdf', dataBase64: 'A'.repeat(1_400_000) },
      ],
    });
    assert.deepEqual(file, {
      code: 'BAD_REQUEST',
      message:
        'The file “scan.pdf” is larger than 1 MB, the most Tessera keeps per file. Remove it, then save again.',
    });
    const notes = await refusal(core, 'items.create', {
      title: 'Long',
      secret: '',
      notes: 'n'.repeat(70_000),
    });
    assert.equal(
      notes.message,
      'The notes are too long: at most 65,536 characters. Shorten them, or keep long text as a file instead.',
    );
    const title = await refusal(core, 'items.create', { title: '  ', secret: '' });
    assert.equal(title.message, 'An item needs a title.');
  });
});

test('codes of the wrong kind, mistyped, truncated or expired are refused in words by the core as well', async () => {
  await withCore(async (core) => {
    await core.dispatch('vault.create', { name: 'Bob', passphrase: 'correct horse battery' });
    const expiredAt = Date.now() - 60_000;
    const cases: [OpName, Record<string, unknown>, string, RegExp][] = [
      ['friends.pair', { code: 'please help me' }, 'INVALID_CODE', /not a Tessera invite/],
      ['friends.pair', { code: recoveryCode() }, 'INVALID_CODE', /^This is a recovery code, not an invite\./],
      ['friends.pair', { code: mistyped(inviteCode()) }, 'INVALID_CODE', /check digits do not match/],
      ['friends.pair', { code: truncated(inviteCode(), 1) }, 'INVALID_CODE', /check digits do not match/],
      ['friends.pair', { code: badCharacter(inviteCode()) }, 'INVALID_CODE', /“U” is never part/],
      ['friends.pair', { code: inviteCode({ expiresAt: expiredAt }) }, 'EXPIRED', /^This invite expired at /],
      [
        'recovery.approve',
        { code: inviteCode(), friendPeerId: PEER },
        'INVALID_CODE',
        /^This is an invite, not a recovery code\./,
      ],
      [
        'recovery.approve',
        { code: truncated(recoveryCode(), 9), friendPeerId: PEER },
        'INVALID_CODE',
        /check digits do not match/,
      ],
      [
        'recovery.approve',
        { code: recoveryCode({ expiresAt: expiredAt }), friendPeerId: PEER },
        'EXPIRED',
        /^This recovery code expired at /,
      ],
    ];
    for (const [op, input, code, says] of cases) {
      const error = await refusal(core, op, input);
      assert.equal(error.code, code, `${op} ${String(input.code).slice(0, 30)}: ${error.message}`);
      assert.match(error.message, says);
      assert.deepEqual(findJargon(error.message), [], error.message);
    }
  });
});

test('a session that ended or cannot be reached reads as "this recovery has ended", never the socket', () => {
  const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:40123'), { code: 'ECONNREFUSED' });
  const gated = new Error('The dial request is blocked by gater.denyDialMultiaddr', { cause: refused });
  const noAddress = Object.assign(new Error('No valid addresses were provided'), {
    name: 'NoValidAddressesError',
  });
  const timedOut = new TesseraError('TIMEOUT', 'Timed out after 10000 ms dialing 12D3KooW… (AbortError)');
  for (const err of [refused, gated, noAddress, timedOut, 'aborted']) {
    const named = describeDialFailure(err, PEER);
    assert.equal(named.message, SESSION_ENDED_MESSAGE);
    assert.ok(named.code === 'UNREACHABLE' || named.code === 'TIMEOUT');
    assert.deepEqual(findJargon(named.message), []);
  }
  assert.match(
    SESSION_ENDED_MESSAGE,
    /^This recovery has ended or the new device is not reachable; ask for a new code/,
  );
  // An impostor at the session's address is still named as one.
  const impostor = describeDialFailure(new Error('UnexpectedPeerError: peer id does not match'), PEER);
  assert.equal(impostor.code, 'VERIFICATION_FAILED');
  assert.deepEqual(findJargon(impostor.message), []);
});

test('the checker itself catches what people reported', () => {
  for (const text of [
    'Invalid arguments for items.create: ✖ Too big: expected string to have <=1398110 characters → at attachments[1].dataBase64',
    'This invite code has a typo: check it and try again. Base32 text is malformed: impossible length or non-canonical trailing bits',
    'connect ECONNREFUSED 127.0.0.1:40123',
    'The dial request is blocked by gater.denyDialMultiaddr',
    'TypeError: x is undefined\n    at file:///app/out/main/cli.js:10:5',
    'at Object.<anonymous> (/app/electron/core/dispatcher.ts:12:3)',
  ])
    assert.notDeepEqual(findJargon(text), [], text);
  assert.deepEqual(findJargon(SESSION_ENDED_MESSAGE), []);
});
