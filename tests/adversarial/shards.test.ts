/**
 * Shard attacks against recovery (docs/PROTOCOL.md §4.3): tampered ciphertext, a tampered share re-sealed inside a
 * valid encryption, a share re-signed by another key, shares from two splits, a forged x = 0 share, t − 1 shares and
 * duplicates. Each bad shard is refused with a typed error (TesseraError) on its own, and in combineShards its sender
 * is named; recovery yields the right key whenever t good shares remain, and otherwise a typed error naming the
 * rejected senders — never a wrong key. The last test is a fast-check property over random t, n and attack mixes.
 *
 * Already proven elsewhere (not repeated): tests/unit/shared/shards.test.ts (addressing, threshold limits, one bad
 * share among > t), tests/unit/shared/properties.test.ts (flipped bytes in envelopes).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { TesseraError } from '../../shared/errors.ts';
import { generateIdentity, peerIdOf } from '../../shared/crypto/identity.ts';
import type { IdentityKeys } from '../../shared/crypto/identity.ts';
import { sealTo } from '../../shared/crypto/box.ts';
import { SIGN_CONTEXTS, signWithContext } from '../../shared/crypto/sign.ts';
import { encodeCanonical } from '../../shared/formats/cbor.ts';
import { splitKey } from '../../shared/shards/split.ts';
import type { KeySplit } from '../../shared/shards/split.ts';
import {
  createShardEnvelopes,
  encodeEnvelopeBody,
  openShardEnvelope,
  signShardEnvelope,
  verifyShardEnvelope,
} from '../../shared/shards/envelope.ts';
import type { ShardEnvelope } from '../../shared/shards/envelope.ts';
import { combineShards } from '../../shared/shards/combine.ts';
import type { ReceivedShard } from '../../shared/shards/combine.ts';
import { count, figure, reportFor, scale } from './report.ts';

reportFor('shards');

interface World {
  owner: IdentityKeys;
  custodians: IdentityKeys[];
  names: string[];
  split: KeySplit;
  sealed: Uint8Array[];
  envelopes: ShardEnvelope[];
  good: ReceivedShard[];
}

/** A fresh split; with `base`, another (older) split of the same owner to the same custodians. */
async function world(t: number, n: number, base?: World): Promise<World> {
  const owner = base?.owner ?? generateIdentity();
  const custodians = base?.custodians ?? Array.from({ length: n }, () => generateIdentity());
  const names = custodians.map((c, i) => `custodian-${i}-${peerIdOf(c.signPublic).slice(-6)}`);
  const split = await splitKey(t, n);
  const sealed = createShardEnvelopes(split, owner, custodians, Date.now() - (base ? 86_400_000 : 0));
  const opened = sealed.map((s, i) => openShardEnvelope(s, custodians[i]!, owner.signPublic));
  return {
    owner,
    custodians,
    names,
    split,
    sealed,
    envelopes: opened.map((o) => o.envelope),
    good: opened.map((o, i) => ({
      from: names[i]!,
      signed: o.signed,
      senderSignPublic: custodians[i]!.signPublic,
    })),
  };
}

/** A body signed by `signer` (the envelope may claim any owner). */
function signAs(env: ShardEnvelope, signer: IdentityKeys): Uint8Array {
  const body = encodeEnvelopeBody(env);
  return encodeCanonical({
    v: 1,
    body,
    sig: signWithContext(SIGN_CONTEXTS.shardEnvelope, body, signer.signSeed),
  });
}

function flip(bytes: Uint8Array, index: number): Uint8Array {
  const out = Uint8Array.from(bytes);
  out[index]! ^= 0x01;
  return out;
}

type Attack = 'tampered' | 'reshared' | 'resigned' | 'foreign-owner' | 'other-split' | 'x0' | 'forwarded';
const ATTACKS: Attack[] = [
  'tampered',
  'reshared',
  'resigned',
  'foreign-owner',
  'other-split',
  'x0',
  'forwarded',
];

/** What custodian i sends under attack `a` (its own identity stays the transport identity). */
async function attackShard(w: World, i: number, a: Attack, other: World): Promise<ReceivedShard> {
  const me = w.good[i]!;
  const env = w.envelopes[i]!;
  const mallory = generateIdentity();
  const y = Uint8Array.from(env.y);
  y[0]! ^= 0xff;
  switch (a) {
    case 'tampered': // a byte of the signed envelope altered in transit or storage
      return { ...me, signed: flip(me.signed, me.signed.length - 70) };
    case 'reshared': // share altered, envelope re-encoded and re-sealed: the AEAD is valid, the signature is not
      return {
        ...me,
        signed: encodeCanonical({ v: 1, body: encodeEnvelopeBody({ ...env, y }), sig: new Uint8Array(64) }),
      };
    case 'resigned': // share altered and re-signed by another key, still claiming the real owner
      return { ...me, signed: signAs({ ...env, y }, mallory) };
    case 'foreign-owner': // share altered and signed by the attacker as "owner"
      return { ...me, signed: signAs({ ...env, y, owner: mallory.signPublic }, mallory) };
    case 'other-split': // this custodian's validly signed share of an older split of the same owner
      return { ...me, signed: other.good[i]!.signed };
    case 'x0': // forged share at x = 0 (would make the library return y as the key)
      return { ...me, signed: signAs({ ...env, x: 0, y }, w.owner) };
    case 'forwarded': // another custodian's valid shard, sent by this one
      return { ...me, signed: w.good[(i + 1) % w.good.length]!.signed };
  }
}

test('each attack on its own: the bad shard is refused with a typed error', async () => {
  const w = await world(3, 5);
  const other = await world(3, 5, w);
  const reopened = new Map<Attack, string>();
  for (const a of ATTACKS) {
    const bad = await attackShard(w, 0, a, other);
    if (a === 'forwarded' || a === 'other-split' || a === 'foreign-owner') {
      // Valid envelopes, wrong in context: refused by combine (below), not by the parser.
      verifyShardEnvelope(bad.signed);
      if (a === 'foreign-owner')
        assert.throws(
          () =>
            verifyShardEnvelope(bad.signed) &&
            openShardEnvelope(
              sealTo(w.custodians[0]!.boxPublic, bad.signed, SIGN_CONTEXTS.shardEnvelope),
              w.custodians[0]!,
              w.owner.signPublic,
            ),
          TesseraError,
        );
      continue;
    }
    assert.throws(() => verifyShardEnvelope(bad.signed), TesseraError, a);
    try {
      verifyShardEnvelope(bad.signed);
    } catch (err) {
      reopened.set(a, (err as TesseraError).code);
    }
    count('single-shard refusals');
  }
  // Tampered ciphertext: the custodian cannot open it (typed), and another custodian cannot either.
  for (let byte = 0; byte < w.sealed[0]!.length; byte += 7) {
    assert.throws(
      () => openShardEnvelope(flip(w.sealed[0]!, byte), w.custodians[0]!, w.owner.signPublic),
      TesseraError,
    );
    count('tampered ciphertexts refused');
  }
  // A tampered share inside a valid encryption: re-sealed to the custodian's own box key.
  const env = w.envelopes[0]!;
  const resealed = sealTo(
    w.custodians[0]!.boxPublic,
    encodeCanonical({
      v: 1,
      body: encodeEnvelopeBody({ ...env, x: env.x === 255 ? 254 : env.x + 1 }),
      sig: new Uint8Array(64),
    }),
    SIGN_CONTEXTS.shardEnvelope,
  );
  assert.throws(
    () => openShardEnvelope(resealed, w.custodians[0]!, w.owner.signPublic),
    (e: unknown) => e instanceof TesseraError && e.code === 'VERIFICATION_FAILED',
  );
  figure('single-shard error codes', [...reopened].map(([a, c]) => `${a}:${c}`).join(' '));
});

test('every attack with t good shares left: the right key, and the attacker named', async () => {
  for (const a of ATTACKS) {
    const w = await world(3, 5);
    const other = await world(3, 5, w);
    // Two attackers among five; three good shares remain.
    const received = [...w.good];
    received[1] = await attackShard(w, 1, a, other);
    received[3] = await attackShard(w, 3, a, other);
    const result = await combineShards(received, { owner: w.owner.signPublic });
    assert.deepEqual(result.key, w.split.key, a);
    if (a !== 'other-split') {
      assert.ok(
        result.badCustodians.includes(w.names[1]!) && result.badCustodians.includes(w.names[3]!),
        `${a}: ${JSON.stringify(result.problems)}`,
      );
    } else {
      // Older/other split shards are never combined: reported as ignored, the current split recovers.
      assert.ok(
        result.problems.some((p) => p.from === w.names[1] && /split/.test(p.reason)),
        a,
      );
    }
    for (const good of [0, 2, 4]) assert.ok(!result.badCustodians.includes(w.names[good]!), a);
    // Also without telling combine who the owner is (the majority decides).
    assert.deepEqual((await combineShards(received)).key, w.split.key, `${a} (owner inferred)`);
    count('recoveries with attackers present');
  }
});

test('fewer than t good shares: a typed error that names the rejected senders, never a key', async () => {
  for (const a of ATTACKS) {
    const w = await world(3, 4);
    const other = await world(3, 4, w);
    // Two good shares, two attacked: below the threshold.
    const received = [
      w.good[0]!,
      w.good[1]!,
      await attackShard(w, 2, a, other),
      await attackShard(w, 3, a, other),
    ];
    await assert.rejects(combineShards(received, { owner: w.owner.signPublic }), (err: unknown) => {
      assert.ok(err instanceof TesseraError, `${a}: ${String(err)}`);
      assert.ok(['NOT_ENOUGH_SHARDS', 'VERIFICATION_FAILED'].includes(err.code), `${a}: ${err.code}`);
      if (a !== 'other-split') assert.match(err.message, new RegExp(w.names[2]!), `${a}: ${err.message}`);
      return true;
    });
    count('typed failures below threshold');
  }
});

test('t − 1 shares say how many more are needed; duplicates count once', async () => {
  const w = await world(3, 5);
  await assert.rejects(combineShards(w.good.slice(0, 2)), (err: unknown) => {
    assert.ok(err instanceof TesseraError && err.code === 'NOT_ENOUGH_SHARDS');
    assert.equal((err as unknown as { needed: number }).needed, 1);
    return true;
  });
  // The same shard twice (e.g. re-sent) is one share: still t − 1.
  await assert.rejects(
    combineShards([w.good[0]!, w.good[1]!, w.good[1]!]),
    (err: unknown) => err instanceof TesseraError && err.code === 'NOT_ENOUGH_SHARDS',
  );
  // A duplicate alongside t distinct shares is ignored, not fatal.
  const ok = await combineShards([w.good[0]!, w.good[1]!, w.good[1]!, w.good[2]!]);
  assert.deepEqual(ok.key, w.split.key);
  assert.ok(ok.problems.some((p) => /duplicate/.test(p.reason)));
  // Shares from two splits (t − 1 of each) never combine to a key.
  const v = await world(3, 5, w);
  await assert.rejects(
    combineShards([w.good[0]!, w.good[1]!, v.good[2]!, v.good[3]!]),
    (err: unknown) => err instanceof TesseraError && err.code === 'NOT_ENOUGH_SHARDS',
  );
  // The owner's own signature on an x = 0 share is still refused (the decoder requires x ≥ 1).
  const x0 = signAs({ ...w.envelopes[0]!, x: 0 }, w.owner);
  assert.throws(
    () => verifyShardEnvelope(x0),
    (e: unknown) => e instanceof TesseraError && e.code === 'BAD_REQUEST',
  );
  // A correctly signed envelope round-trips (sanity: the attacks above are refused for their content).
  assert.ok(verifyShardEnvelope(signShardEnvelope(w.envelopes[0]!, w.owner.signSeed)));
});

test('property: any mix of attacks — the right key iff ≥ t good shares, else a typed error; never a wrong key', async () => {
  const runs = scale(40, 600);
  let recovered = 0;
  let refused = 0;
  await fc.assert(
    fc.asyncProperty(
      fc.integer({ min: 2, max: 6 }).chain((n) =>
        fc.tuple(
          fc.constant(n),
          fc.integer({ min: 2, max: n }),
          fc.array(
            fc.oneof(
              { arbitrary: fc.constant(null), weight: 3 },
              { arbitrary: fc.constantFrom(...ATTACKS), weight: 2 },
            ),
            { minLength: n, maxLength: n },
          ),
          fc.array(
            fc.integer({ min: 0, max: 4 }).map((x) => x > 0),
            { minLength: n, maxLength: n },
          ),
        ),
      ),
      async ([n, t, attacks, present]) => {
        const w = await world(t, n);
        const other = await world(t, n, w);
        const received: ReceivedShard[] = [];
        let good = 0;
        let older = 0;
        for (let i = 0; i < n; i++) {
          if (!present[i]) continue;
          const a = attacks[i];
          if (a) received.push(await attackShard(w, i, a, other));
          else {
            received.push(w.good[i]!);
            good++;
          }
          if (a === 'other-split') older++;
        }
        try {
          const r = await combineShards(received, { owner: w.owner.signPublic });
          // A key is only ever the current split's (with t good shares) or, failing that, the older split's
          // (its custodians really hold t of its shares): never bytes built from bad shares.
          if (good >= t) assert.deepEqual(r.key, w.split.key);
          else {
            assert.ok(older >= t, `recovered with ${good} good, ${older} older of t = ${t}`);
            assert.deepEqual(r.key, other.split.key);
          }
          recovered++;
        } catch (err) {
          assert.ok(err instanceof TesseraError, String(err));
          assert.ok(good < t && older < t, `refused with ${good} good of t = ${t}: ${err.message}`);
          refused++;
        }
      },
    ),
    { numRuns: runs },
  );
  figure('property cases', runs);
  figure('property recovered / typed refusals', `${recovered} / ${refused}`);
});
