import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { fcRuns } from './helpers.ts';
import { generateIdentity, peerIdOf, type IdentityKeys } from '../../../shared/crypto/identity.ts';
import {
  BadShardError,
  DecryptionError,
  InvalidArgumentError,
  NotEnoughShardsError,
  RecoveryFailedError,
  SignatureError,
} from '../../../shared/crypto/errors.ts';
import { splitKey, keyCommitment, type KeySplit } from '../../../shared/shards/split.ts';
import {
  createShardEnvelopes,
  openShardEnvelope,
  sealShardEnvelope,
  signShardEnvelope,
  verifyShardEnvelope,
} from '../../../shared/shards/envelope.ts';
import { combineShards, type ReceivedShard } from '../../../shared/shards/combine.ts';

async function setup(t: number, n: number) {
  const owner = generateIdentity();
  const custodians = Array.from({ length: n }, () => generateIdentity());
  const split = await splitKey(t, n);
  const sealed = createShardEnvelopes(split, owner, custodians, 1_700_000_000_000);
  const received: ReceivedShard[] = sealed.map((s, i) => {
    const c = custodians[i]!;
    const opened = openShardEnvelope(s, c, owner.signPublic);
    return { from: peerIdOf(c.signPublic), signed: opened.signed, senderSignPublic: c.signPublic };
  });
  return { owner, custodians, split, sealed, received };
}

test('splitKey rejects thresholds outside 2 ≤ t ≤ n ≤ 16 with a clear error', async () => {
  for (const [t, n] of [
    [1, 3],
    [4, 3],
    [2, 17],
    [2, 1],
    [2.5, 3],
  ] as const)
    await assert.rejects(splitKey(t, n), InvalidArgumentError);
  await assert.rejects(splitKey(4, 3), /at most the number of custodians \(3\)/);
});

test('every split has a fresh key and split id', async () => {
  const a = await splitKey(2, 3);
  const b = await splitKey(2, 3);
  assert.notDeepEqual(a.key, b.key);
  assert.notDeepEqual(a.splitId, b.splitId);
  assert.deepEqual(a.commitment, keyCommitment(a.splitId, a.key));
  assert.equal(new Set(a.shares.map((s) => s.x)).size, 3);
  assert.ok(a.shares.every((s) => s.x !== 0 && s.y.length === 32));
});

test('t-of-n recovery works with any t shards and names nobody as bad', async () => {
  const { split, received, owner } = await setup(3, 5);
  for (const pick of [
    [0, 1, 2],
    [2, 3, 4],
    [0, 2, 4],
  ]) {
    const r = await combineShards(
      pick.map((i) => received[i]!),
      { owner: owner.signPublic },
    );
    assert.deepEqual(r.key, split.key);
    assert.deepEqual(r.splitId, split.splitId);
    assert.deepEqual(r.badCustodians, []);
    assert.equal(r.goodCustodians.length, 3);
  }
  const all = await combineShards(received);
  assert.deepEqual(all.key, split.key);
  assert.deepEqual(all.owner, owner.signPublic);
});

test('envelopes name only owner and their own custodian, and only that custodian can open them', async () => {
  const { sealed, custodians, owner } = await setup(2, 3);
  const env = openShardEnvelope(sealed[0]!, custodians[0]!).envelope;
  assert.deepEqual(env.custodian, custodians[0]!.signPublic);
  assert.deepEqual(env.owner, owner.signPublic);
  assert.deepEqual(Object.keys(env).sort(), [
    'commitment',
    'created',
    'custodian',
    'owner',
    'splitId',
    'threshold',
    'x',
    'y',
  ]);
  assert.throws(() => openShardEnvelope(sealed[0]!, custodians[1]!), DecryptionError);
  const stranger = generateIdentity();
  assert.throws(() => openShardEnvelope(sealed[0]!, custodians[0]!, stranger.signPublic), BadShardError);
});

test('sealing refuses a custodian box key that is not signed by the custodian', async () => {
  const owner = generateIdentity();
  const a = generateIdentity();
  const b = generateIdentity();
  const split = await splitKey(2, 2);
  assert.throws(
    () => createShardEnvelopes(split, owner, [a, { ...b, boxPublic: a.boxPublic }], 1),
    SignatureError,
  );
});

test('a shard addressed to another custodian is refused by openShardEnvelope', async () => {
  const owner = generateIdentity();
  const [a, b] = [generateIdentity(), generateIdentity()];
  const split = await splitKey(2, 2);
  const signed = signShardEnvelope(
    {
      splitId: split.splitId,
      owner: owner.signPublic,
      custodian: a.signPublic,
      threshold: 2,
      commitment: split.commitment,
      x: split.shares[0]!.x,
      y: split.shares[0]!.y,
      created: 1,
    },
    owner.signSeed,
  );
  const sealedToB = sealShardEnvelope(signed, b);
  assert.throws(() => openShardEnvelope(sealedToB, b), BadShardError);
});

test('too few shards: error says how many more are needed', async () => {
  const { received } = await setup(3, 5);
  await assert.rejects(combineShards(received.slice(0, 1)), (err: unknown) => {
    assert.ok(err instanceof NotEnoughShardsError);
    assert.equal(err.needed, 2);
    assert.match(err.message, /ask 2 more friends/);
    return true;
  });
  await assert.rejects(combineShards([]), NotEnoughShardsError);
});

function tamper(signed: Uint8Array): Uint8Array {
  const copy = Uint8Array.from(signed);
  copy[copy.length - 70]! ^= 0x01; // inside the body (the signature is the last 64 bytes)
  return copy;
}

test('one corrupted shard among more than t: recovery succeeds and names the sender', async () => {
  const { split, received } = await setup(3, 5);
  const badFrom = received[1]!.from;
  const input = received.map((r, i) => (i === 1 ? { ...r, signed: tamper(r.signed) } : r));
  const r = await combineShards(input);
  assert.deepEqual(r.key, split.key);
  assert.deepEqual(r.badCustodians, [badFrom]);
  assert.ok(r.problems.some((p) => p.from === badFrom));
});

function signedBadShare(
  owner: IdentityKeys,
  custodian: IdentityKeys,
  split: KeySplit,
  i: number,
): Uint8Array {
  const y = Uint8Array.from(split.shares[i]!.y);
  y[0]! ^= 0xff;
  return signShardEnvelope(
    {
      splitId: split.splitId,
      owner: owner.signPublic,
      custodian: custodian.signPublic,
      threshold: split.threshold,
      commitment: split.commitment,
      x: split.shares[i]!.x,
      y,
      created: 1_700_000_000_000,
    },
    owner.signSeed,
  );
}

test('a validly signed but wrong share among more than t is found by subset search and named', async () => {
  const { split, received, owner, custodians } = await setup(3, 5);
  for (const badIndex of [0, 2, 4]) {
    const input = received.map((r, i) =>
      i === badIndex ? { ...r, signed: signedBadShare(owner, custodians[i]!, split, i) } : r,
    );
    const r = await combineShards(input);
    assert.deepEqual(r.key, split.key);
    assert.deepEqual(r.badCustodians, [received[badIndex]!.from]);
    assert.equal(r.goodCustodians.length, 4);
  }
});

test('exactly t shares with one wrong share: recovery fails with a verification error (no wrong key)', async () => {
  const { split, received, owner, custodians } = await setup(3, 5);
  const input = [
    received[0]!,
    received[1]!,
    { ...received[2]!, signed: signedBadShare(owner, custodians[2]!, split, 2) },
  ];
  await assert.rejects(combineShards(input), RecoveryFailedError);
});

test('shards of two different splits are never combined', async () => {
  const owner = generateIdentity();
  const custodians = Array.from({ length: 4 }, () => generateIdentity());
  const s1 = await splitKey(2, 4);
  const s2 = await splitKey(2, 4);
  const e1 = createShardEnvelopes(s1, owner, custodians, 1000);
  const e2 = createShardEnvelopes(s2, owner, custodians, 2000);
  const rec = (e: Uint8Array[], i: number): ReceivedShard => ({
    from: `c${i}`,
    signed: openShardEnvelope(e[i]!, custodians[i]!).signed,
  });
  // One shard of each split: not enough for either.
  await assert.rejects(combineShards([rec(e1, 0), rec(e2, 1)]), NotEnoughShardsError);
  // Enough of the old split and one of the new: old key, new shard ignored (not blamed).
  const r = await combineShards([rec(e1, 0), rec(e2, 1), rec(e1, 2)]);
  assert.deepEqual(r.key, s1.key);
  assert.deepEqual(r.badCustodians, []);
  // Enough of both: the newest split wins.
  const r2 = await combineShards([rec(e1, 0), rec(e1, 1), rec(e2, 2), rec(e2, 3)]);
  assert.deepEqual(r2.key, s2.key);
});

test('shards of another owner or from the wrong sender are rejected and named', async () => {
  const { split, received, owner } = await setup(2, 3);
  const other = await setup(2, 3);
  const r = await combineShards([received[0]!, other.received[0]!, received[1]!], {
    owner: owner.signPublic,
  });
  assert.deepEqual(r.key, split.key);
  assert.deepEqual(r.badCustodians, [other.received[0]!.from]);
  const impostor = { ...received[2]!, from: 'impostor', senderSignPublic: generateIdentity().signPublic };
  const r2 = await combineShards([received[0]!, received[1]!, impostor]);
  assert.deepEqual(r2.badCustodians, ['impostor']);
});

test('verifyShardEnvelope rejects a flipped signature', async () => {
  const { received } = await setup(2, 2);
  const s = Uint8Array.from(received[0]!.signed);
  s[s.length - 1]! ^= 0x80;
  assert.throws(() => verifyShardEnvelope(s), SignatureError);
});

test('property: any ≥ t shards with at most one bad share among more than t recover K and name the bad sender', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc
        .integer({ min: 2, max: 6 })
        .chain((n) =>
          fc.tuple(
            fc.constant(n),
            fc.integer({ min: 2, max: n }),
            fc.shuffledSubarray([...Array(n).keys()], { minLength: 1 }),
            fc.option(fc.nat()),
          ),
        ),
      async ([n, t, picked, badSeed]) => {
        const { split, received, owner, custodians } = await setup(t, n);
        const bad = badSeed !== null && picked.length > t ? picked[badSeed % picked.length]! : undefined;
        const input = picked.map((i) =>
          i === bad
            ? { ...received[i]!, signed: signedBadShare(owner, custodians[i]!, split, i) }
            : received[i]!,
        );
        if (picked.length < t) {
          await assert.rejects(
            combineShards(input),
            (e: unknown) => e instanceof NotEnoughShardsError && e.needed === t - picked.length,
          );
          return;
        }
        const r = await combineShards(input);
        assert.deepEqual(r.key, split.key);
        assert.deepEqual(r.badCustodians, bad === undefined ? [] : [received[bad]!.from]);
      },
    ),
    { numRuns: Math.max(10, Math.floor(fcRuns() / 10)) },
  );
});
