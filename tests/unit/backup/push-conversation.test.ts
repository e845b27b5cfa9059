/**
 * The owner's deposit or update (electron/core/backup/push-conversation.ts) over an in-memory link to a scripted
 * custodian, with receipts signed by a real custodian key.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import {
  CHUNK_FRAME_BYTES,
  MissingChunkError,
  checkHoldingReceipt,
  pushVersion,
} from '../../../electron/core/backup/push-conversation.ts';
import type { PushOffer, PushSource } from '../../../electron/core/backup/push-conversation.ts';
import { RefusedError } from '../../../shared/errors.ts';
import { SharedFrames } from '../../../electron/core/backup/shared-frames.ts';
import type { SendingProgress } from '../../../electron/core/backup/status-view.ts';
import { MAX_CHUNKS_PER_FRAME } from '../../../shared/protocol/backup.ts';
import type { BackupMessage } from '../../../shared/protocol/backup.ts';
import { signReceipt } from '../../../shared/protocol/receipts.ts';
import { MalformedDataError } from '../../../shared/crypto/errors.ts';
import { TesseraError } from '../../../shared/errors.ts';
import { fromHex, toHex } from '../../../shared/crypto/bytes.ts';
import { generateIdentity, peerIdOf } from '../../../shared/crypto/identity.ts';
import { counterRandom } from '../shared/helpers.ts';
import { scriptedCustodian } from './fake-link.ts';

const owner = generateIdentity(counterRandom(71));
const custodianKeys = generateIdentity(counterRandom(72));
const CUSTODIAN = peerIdOf(custodianKeys.signPublic);
const SPLIT = new Uint8Array(16).fill(4);
const MANIFEST = new Uint8Array([1, 2, 3, 4]);
const MANIFEST_HASH = new Uint8Array(32).fill(8);

const offer: PushOffer = { t: 'offer', split: SPLIT, sealed: new Uint8Array([9, 9]), manifest: MANIFEST };

/** Chunks the owner holds (hex id → bytes). */
const chunks = new Map(
  Array.from(
    { length: 5 },
    () => [randomBytes(32).toString('hex'), new Uint8Array(randomBytes(100))] as const,
  ),
);
const ids = [...chunks.keys()];

function holdingReceipt(version: number): Uint8Array {
  return signReceipt(
    {
      kind: 'holding',
      owner: owner.signPublic,
      custodian: custodianKeys.signPublic,
      split: SPLIT,
      version,
      manifest: MANIFEST_HASH,
      at: 1,
    },
    custodianKeys.signSeed,
  );
}

/** A source over `chunks` that records what the status would show. */
function source(have: ReadonlyMap<string, Uint8Array> = chunks) {
  const events: string[] = [];
  let shown: SendingProgress | null = null;
  const src: PushSource = {
    chunk: (idHex) => have.get(idHex),
    frame: (frameIds, encode) => new SharedFrames(1 << 20).frame(frameIds, encode),
    started: (p) => {
      shown = p;
      events.push(`started 0/${p.totalChunks}`);
    },
    advanced: (p, allSent) => events.push(`sent ${p.sentChunks}/${p.totalChunks}${allSent ? ' all' : ''}`),
    ended: () => {
      shown = null;
      events.push('ended');
    },
  };
  return { src, events, shown: () => shown };
}

/** A custodian that needs `wanted`, then answers `done` with `final`. */
function custodianNeeding(wanted: string[], final: BackupMessage) {
  return scriptedCustodian(CUSTODIAN, (msg) => {
    if (msg.t === 'offer' || msg.t === 'offer-delta') return [{ t: 'need', ids: wanted.map(fromHex) }];
    if (msg.t === 'done') return [final];
    return [];
  });
}

test('the custodian gets exactly the chunks it asked for, then done, and its receipt comes back', async () => {
  const wanted = [ids[3]!, ids[0]!];
  const { conv, sent } = custodianNeeding(wanted, { t: 'receipt', receipt: holdingReceipt(7) });
  const { src, events, shown } = source();
  const reply = await pushVersion(conv, offer, src, 'Cyril');
  assert.equal(reply.t, 'receipt');
  assert.deepEqual(sent[0], offer);
  assert.deepEqual(
    sent.slice(1).map((m) => m.t),
    ['chunks', 'done'],
  );
  const frame = sent[1] as Extract<BackupMessage, { t: 'chunks' }>;
  assert.deepEqual(
    frame.items.map((c) => [toHex(c.id), c.data]),
    wanted.map((id) => [id, chunks.get(id)]),
  );
  assert.deepEqual(events, ['started 0/2', 'sent 2/2 all', 'ended']);
  assert.equal(shown(), null, 'nothing shows as sending after the receipt');
  // The receipt is the custodian's, for what was sent.
  const expected = {
    custodian: CUSTODIAN,
    owner: owner.signPublic,
    split: SPLIT,
    version: 7,
    manifestHash: MANIFEST_HASH,
  };
  assert.doesNotThrow(() =>
    checkHoldingReceipt(reply.t === 'receipt' ? reply.receipt : new Uint8Array(), expected, 'Cyril'),
  );
});

test('chunks go in frames of about a MiB, and at most MAX_CHUNKS_PER_FRAME to a frame', async () => {
  const of = (n: number, bytes: number) =>
    new Map(
      Array.from({ length: n }, () => [randomBytes(32).toString('hex'), new Uint8Array(bytes)] as const),
    );
  const framesOf = async (have: Map<string, Uint8Array>) => {
    const { conv, sent } = custodianNeeding([...have.keys()], { t: 'receipt', receipt: holdingReceipt(7) });
    const { src, events } = source(have);
    await pushVersion(conv, offer, src, 'Cyril');
    const frames = sent.filter((m): m is Extract<BackupMessage, { t: 'chunks' }> => m.t === 'chunks');
    return { sizes: frames.map((f) => f.items.length), events };
  };
  // 30 000-byte chunks: the 35th passes CHUNK_FRAME_BYTES.
  const large = await framesOf(of(40, 30_000));
  assert.equal(Math.ceil(CHUNK_FRAME_BYTES / 30_000), 35);
  assert.deepEqual(large.sizes, [35, 5]);
  assert.deepEqual(large.events, ['started 0/40', 'sent 35/40', 'sent 40/40 all', 'ended']);
  const small = await framesOf(of(MAX_CHUNKS_PER_FRAME + 10, 10));
  assert.deepEqual(small.sizes, [MAX_CHUNKS_PER_FRAME, 10]);
});

test('an update the custodian already holds every chunk of sends no chunks', async () => {
  const { conv, sent } = custodianNeeding([], { t: 'receipt', receipt: holdingReceipt(7) });
  const reply = await pushVersion(conv, offer, source().src, 'Cyril');
  assert.equal(reply.t, 'receipt');
  assert.deepEqual(
    sent.map((m) => m.t),
    ['offer', 'done'],
  );
});

test('an offer refused up front is returned with its reason (the owner then sends whole, or records the loss)', async () => {
  const { conv, sent } = scriptedCustodian(CUSTODIAN, () => [
    { t: 'refused', reason: 'I do not hold the manifest this update is based on; send it whole.' },
  ]);
  const { src, events } = source();
  const reply = await pushVersion(conv, offer, src, 'Cyril');
  assert.deepEqual(reply, {
    t: 'offer-refused',
    reason: 'I do not hold the manifest this update is based on; send it whole.',
  });
  assert.equal(sent.length, 1, 'no chunk was sent');
  assert.deepEqual(events, []);
});

test('a refusal after the chunks is RefusedError, and the send no longer shows', async () => {
  const { conv } = custodianNeeding([ids[1]!], {
    t: 'refused',
    reason: 'A chunk does not match the manifest.',
  });
  const { src, events } = source();
  await assert.rejects(pushVersion(conv, offer, src, 'Cyril'), (err: unknown) => {
    assert.ok(err instanceof RefusedError);
    assert.equal(err.message, 'Cyril refused: A chunk does not match the manifest.');
    return true;
  });
  assert.equal(events.at(-1), 'ended');
});

test('a malformed answer to the offer or to done is refused as malformed', async () => {
  const wrongStep = scriptedCustodian(CUSTODIAN, () => [{ t: 'ack' }]);
  await assert.rejects(pushVersion(wrongStep.conv, offer, source().src, 'Cyril'), MalformedDataError);
  const { conv } = custodianNeeding([ids[0]!], { t: 'hold-reply', state: 'accepted' });
  await assert.rejects(pushVersion(conv, offer, source().src, 'Cyril'), MalformedDataError);
});

test('a chunk asked for that the owner does not have stops the push with a named error', async () => {
  const unknown = randomBytes(32).toString('hex');
  const { conv } = custodianNeeding([unknown], { t: 'receipt', receipt: holdingReceipt(7) });
  const { src, events } = source();
  await assert.rejects(pushVersion(conv, offer, src, 'Cyril'), MissingChunkError);
  assert.deepEqual(events, ['started 0/1', 'ended']);
});

test('a receipt for another version, another owner or signed by someone else is not accepted', () => {
  const expected = {
    custodian: CUSTODIAN,
    owner: owner.signPublic,
    split: SPLIT,
    version: 7,
    manifestHash: MANIFEST_HASH,
  };
  const verificationFailed = (err: unknown) =>
    err instanceof TesseraError && err.code === 'VERIFICATION_FAILED';
  assert.throws(() => checkHoldingReceipt(holdingReceipt(6), expected, 'Cyril'), verificationFailed);
  assert.throws(
    () => checkHoldingReceipt(holdingReceipt(7), { ...expected, owner: custodianKeys.signPublic }, 'Cyril'),
    verificationFailed,
  );
  const stranger = peerIdOf(generateIdentity(counterRandom(73)).signPublic);
  assert.throws(() => checkHoldingReceipt(holdingReceipt(7), { ...expected, custodian: stranger }, 'Cyril'));
});
