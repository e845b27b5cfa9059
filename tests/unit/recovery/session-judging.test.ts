/**
 * The new device's judging of pieces (PROTOCOL §11.3–11.4), pure and with real crypto: only pieces whose sender the
 * person confirmed count; a forged or misaddressed piece is named and never counts; confirmed pieces naming two
 * owners are a conflict and nothing is opened; what was opened is dropped when the chosen split changes; the status
 * the person sees follows; and the caps (senders, bytes) hold at their edges.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { toHex } from '../../../shared/crypto/bytes.ts';
import { sealTo } from '../../../shared/crypto/box.ts';
import { generateIdentity } from '../../../shared/crypto/identity.ts';
import { RECOVERY_SHARD_CONTEXT } from '../../../shared/protocol/recovery.ts';
import { assess, openPieces } from '../../../electron/core/recovery/assess.ts';
import type { Assessment } from '../../../electron/core/recovery/assess.ts';
import {
  closedReason,
  deliveryRefusal,
  helloRefusal,
  MAX_SENDER_BYTES,
  MAX_SENDERS,
  MAX_SESSION_BYTES,
  roomFor,
} from '../../../electron/core/recovery/session-admission.ts';
import { afterJudging, basisOf, startRefusal } from '../../../electron/core/recovery/session-state.ts';
import { sessionStatus } from '../../../electron/core/recovery/session-status.ts';
import type { SessionFacts } from '../../../electron/core/recovery/session-status.ts';
import type { PieceRow, SenderRow } from '../../../electron/core/recovery/session-store.ts';
import { ownerWithSplit, peerOf, pieceFrom, sessionStore } from './fixtures.ts';

const session = generateIdentity();

function judge(rows: PieceRow[], confirmed: string[]): Assessment {
  return assess(openPieces(rows, new Set(confirmed), session));
}

function sender(
  peerId: string,
  name: string,
  verdict: 'none' | 'confirmed' | 'rejected' = 'none',
  more: Partial<SenderRow> = {},
): SenderRow {
  return {
    peerId,
    name,
    sasCode: '123456',
    helloAt: 1,
    confirmedAt: verdict === 'confirmed' ? 2 : null,
    rejectedAt: verdict === 'rejected' ? 2 : null,
    releaseAt: null,
    ended: null,
    path: null,
    ...more,
  };
}

function facts(over: Partial<SessionFacts>): SessionFacts {
  return {
    row: { expiresAt: 5_000, remote: false },
    phase: 'collecting',
    restoredStatus: null,
    assessment: null,
    senders: [],
    piecesFrom: new Set(),
    combineProblems: new Map(),
    paths: new Map(),
    replies: [],
    unlocked: true,
    outdated: 0,
    lastError: undefined,
    prepared: null,
    kept: null,
    code: () => 'TESSERA-RECOVER:CODE',
    ...over,
  };
}

test('only confirmed pieces count: unconfirmed ones are checked and wait apart', async () => {
  const owner = await ownerWithSplit(2, 3);
  const peers = owner.custodians.map(peerOf);
  const rows = [0, 1, 2].map((i) => pieceFrom(owner, i, session));

  const none = judge(rows, []);
  assert.deepEqual(
    none.pieces.map((p) => [p.confirmed, p.problem, p.envelope !== null]),
    [
      [false, null, true],
      [false, null, true],
      [false, null, true],
    ],
    'every piece opened and verified',
  );
  assert.deepEqual([none.owner, none.have, none.need, none.split], [null, 0, 0, []]);
  assert.equal(afterJudging(none, { phase: 'collecting', preparedBasis: null, opening: false }).open, false);

  const one = judge(rows, [peers[1]!]);
  assert.deepEqual([one.have, one.need, one.split], [1, 2, [peers[1]]]);
  assert.equal(toHex(one.owner!), toHex(owner.keys.signPublic));
  assert.equal(afterJudging(one, { phase: 'collecting', preparedBasis: null, opening: false }).open, false);

  const two = judge(rows, [peers[0]!, peers[2]!]);
  assert.deepEqual([two.have, two.need, two.split], [2, 2, [peers[0], peers[2]]]);
  assert.deepEqual(afterJudging(two, { phase: 'collecting', preparedBasis: null, opening: false }), {
    drop: false,
    phase: 'collecting',
    open: true,
  });
  // Already opening, or already opened from this split: nothing more to do.
  assert.equal(afterJudging(two, { phase: 'opening', preparedBasis: null, opening: true }).open, false);
  assert.deepEqual(afterJudging(two, { phase: 'ready', preparedBasis: basisOf(two), opening: false }), {
    drop: false,
    phase: 'ready',
    open: false,
  });
});

test('forged and misaddressed pieces are named and never count, even when confirmed', async () => {
  const owner = await ownerWithSplit(2, 3);
  const peers = owner.custodians.map(peerOf);
  const tampered = pieceFrom(owner, 0, session);
  tampered.sealed = tampered.sealed.slice();
  tampered.sealed[tampered.sealed.length - 1]! ^= 1;
  const badSignature = owner.signed[1]!.slice();
  badSignature[badSignature.length - 1]! ^= 1;
  const forged: PieceRow = {
    sender: peers[1]!,
    sealed: sealTo(session.boxPublic, badSignature, RECOVERY_SHARD_CONTEXT),
    manifest: new Uint8Array(0),
    receivedAt: 1,
  };
  // Custodian 2 sends the envelope addressed to custodian 0 (it saw it somewhere): not its piece.
  const misaddressed: PieceRow = {
    sender: peers[2]!,
    sealed: sealTo(session.boxPublic, owner.signed[0]!, RECOVERY_SHARD_CONTEXT),
    manifest: new Uint8Array(0),
    receivedAt: 2,
  };
  const a = judge([tampered, forged, misaddressed], peers);
  assert.ok(a.pieces.every((p) => p.envelope === null && p.problem !== null));
  assert.equal(a.pieces[2]!.problem, 'sent a piece that was addressed to someone else');
  assert.deepEqual([a.owner, a.have, a.need], [null, 0, 0]);

  const status = sessionStatus(
    facts({
      assessment: a,
      senders: [sender(peers[0]!, 'Ana', 'confirmed'), sender(peers[1]!, 'Ben'), sender(peers[2]!, 'Cy')],
      piecesFrom: new Set(peers),
    }),
  );
  assert.deepEqual(
    status.custodians.map((c) => c.state),
    ['bad', 'bad', 'bad'],
  );
  assert.match(status.custodians[2]!.problem!, /^Cy's piece did not verify: sent a piece that was addressed/);
  // Only a confirmed sender's bad piece is reported as the session's error.
  assert.match(status.error!, /^Ana's piece did not verify/);
  assert.doesNotMatch(status.error!, /Ben|Cy/);
});

test('confirmed pieces naming two owners are a conflict: nothing opens until the wrong sender is rejected', async () => {
  const owner = await ownerWithSplit(2, 3);
  // Anyone with the code can mint a vault of their own and send a valid piece of it.
  const forger = await ownerWithSplit(2, 2);
  const peers = owner.custodians.map(peerOf);
  const forgerPeer = peerOf(forger.custodians[0]!);
  const rows = [pieceFrom(owner, 0, session), pieceFrom(owner, 1, session), pieceFrom(forger, 0, session)];
  const senders = [
    sender(peers[0]!, 'Ana', 'confirmed'),
    sender(peers[1]!, 'Ben', 'confirmed'),
    sender(forgerPeer, 'Ana too', 'confirmed'),
  ];

  const unconfirmedForger = judge(rows, [peers[0]!, peers[1]!]);
  assert.equal(unconfirmedForger.conflict, null, 'an unconfirmed piece of another owner changes nothing');
  assert.deepEqual([unconfirmedForger.have, unconfirmedForger.need], [2, 2]);

  const a = judge(rows, [peers[0]!, peers[1]!, forgerPeer]);
  assert.deepEqual(
    a.conflict?.owners.map((o) => o.senders),
    [[peers[0], peers[1]], [forgerPeer]],
  );
  assert.deepEqual([a.owner, a.have, a.need, a.split], [null, 0, 0, []]);
  // Counting never picks an owner: two of three is not a majority that wins. What was opened is dropped.
  assert.deepEqual(
    afterJudging(a, { phase: 'ready', preparedBasis: basisOf(unconfirmedForger), opening: false }),
    { drop: true, phase: 'collecting', open: false },
  );
  const status = sessionStatus(
    facts({ assessment: a, senders, piecesFrom: new Set(rows.map((r) => r.sender)) }),
  );
  assert.equal(status.state, 'conflict');
  assert.equal(status.vault, null);
  assert.match(status.message, /belong to 2 different people \(Ana and Ben; Ana too\)/);
  // Rejecting the forger deletes its piece (session-store.ts `judgeSender`): the owner's split opens again.
  const rejected = judge(rows.slice(0, 2), [peers[0]!, peers[1]!]);
  assert.equal(rejected.conflict, null);
  assert.equal(
    afterJudging(rejected, { phase: 'collecting', preparedBasis: null, opening: false }).open,
    true,
  );
});

test('the session state follows the facts: passphrase, collecting, ready, restoring, restored', async () => {
  const owner = await ownerWithSplit(2, 2);
  const peers = owner.custodians.map(peerOf);
  const rows = [0, 1].map((i) => pieceFrom(owner, i, session));
  const senders = [sender(peers[0]!, 'Ana', 'confirmed'), sender(peers[1]!, 'Ben')];
  const base = { senders, piecesFrom: new Set(peers) };

  const locked = sessionStatus(facts({ ...base, unlocked: false }));
  assert.equal(locked.state, 'needs-passphrase');
  assert.deepEqual(
    locked.custodians.map((c) => c.state),
    ['received', 'received'],
  );
  assert.match(locked.message, /^2 piece\(s\) received/);

  const a = judge(rows, [peers[0]!]);
  const collecting = sessionStatus(facts({ ...base, assessment: a }));
  assert.deepEqual([collecting.state, collecting.have, collecting.need], ['collecting', 1, 2]);
  assert.equal(
    collecting.message,
    '1 of 2 confirmed pieces: 1 more needed. 1 piece waits for you to compare its code.',
  );
  assert.equal(collecting.code, 'TESSERA-RECOVER:CODE');

  const withdrawn = sessionStatus(
    facts({ senders: [sender('peer-x', 'Di', 'none', { ended: 'declined' })] }),
  );
  assert.equal(withdrawn.custodians[0]!.state, 'declined');

  // Remote (PROTOCOL §11.7): a sender that approved waits with its release time; the path shows how it is connected.
  const waiting = sessionStatus(
    facts({
      row: { expiresAt: 5_000, remote: true },
      senders: [sender('peer-w', 'Wu', 'confirmed', { releaseAt: 9_000 })],
      paths: new Map([['peer-w', 'relayed' as const]]),
    }),
  );
  assert.equal(waiting.remote, true);
  assert.deepEqual(
    [waiting.custodians[0]!.state, waiting.custodians[0]!.releaseAt, waiting.custodians[0]!.path],
    ['waiting', 9_000, 'relayed'],
  );
  const stopped = sessionStatus(
    facts({
      row: { expiresAt: 5_000, remote: true },
      senders: [sender('peer-s', 'Su', 'none', { ended: 'stopped' })],
    }),
  );
  assert.equal(stopped.custodians[0]!.state, 'stopped');
  assert.match(stopped.stopped!, /stopped by the owner's device: Su says/);
  assert.equal(stopped.message, stopped.stopped);

  const two = judge(rows, peers);
  const snapshot = {
    identity: owner.keys,
    displayName: 'Ana',
    contacts: [],
    items: [],
    heldShards: [],
    settings: {},
  };
  const prepared = {
    snapshot,
    owner: owner.keys.signPublic,
    delivered: peers,
    threshold: 2,
    basis: basisOf(two),
  };
  const ready = sessionStatus(facts({ ...base, assessment: two, phase: 'ready', prepared }));
  assert.deepEqual([ready.state, ready.have, ready.need], ['ready', 2, 2]);
  assert.equal(ready.vault?.name, 'Ana');
  assert.equal(ready.vault?.peerId, peerOf(owner.keys));
  assert.equal(ready.message, 'Check whose vault this is, then restore it.');

  const restoring = sessionStatus(facts({ ...base, assessment: a, phase: 'restoring' }));
  assert.equal(restoring.state, 'restoring');
  assert.equal(sessionStatus(facts({ row: null })).state, 'none');
  assert.equal(sessionStatus(facts({ row: null, phase: 'restored' })).state, 'restored');
});

test('who may say hello or deliver, and how much a sender and the session may store', () => {
  const peer = 'peer-1';
  assert.equal(helloRefusal(null), null);
  assert.equal(helloRefusal(sender(peer, 'Ana')), null);
  assert.match(helloRefusal(sender(peer, 'Ana', 'rejected'))!, /did not match/);
  assert.match(deliveryRefusal(null)!, /say hello first/);
  assert.match(deliveryRefusal(sender(peer, 'Ana', 'rejected'))!, /did not match/);
  assert.match(deliveryRefusal(sender(peer, 'Ana', 'none', { ended: 'withdrew' }))!, /you withdrew/);
  assert.equal(deliveryRefusal(sender(peer, 'Ana')), null);
  assert.equal(closedReason(false), null);
  assert.match(closedReason(true)!, /already complete/);

  assert.equal(roomFor({ sender: 0, session: 0 }, MAX_SENDER_BYTES), null, 'one whole backup fits');
  assert.match(roomFor({ sender: 1, session: 1 }, MAX_SENDER_BYTES)!, /more than one backup/);
  assert.equal(
    roomFor({ sender: 0, session: MAX_SENDER_BYTES }, MAX_SENDER_BYTES),
    null,
    'a second backup fits',
  );
  assert.match(roomFor({ sender: 0, session: MAX_SESSION_BYTES - 10 }, 11)!, /no room left/);
  assert.equal(MAX_SESSION_BYTES, 2 * MAX_SENDER_BYTES);
});

test(`the session keeps at most ${MAX_SENDERS} senders; once all are confirmed a new hello is refused`, (t) => {
  const store = sessionStore(t);
  const hello = (n: number) => ({ peerId: `peer-${n}`, name: `Friend ${n}`, sasCode: '000000', helloAt: n });
  for (let n = 0; n < MAX_SENDERS; n++) assert.ok(store.putSender(hello(n), MAX_SENDERS));
  assert.ok(store.putSender(hello(MAX_SENDERS), MAX_SENDERS), 'the oldest silent one made room');
  assert.equal(store.senders().length, MAX_SENDERS);
  assert.equal(store.sender('peer-0'), null);
  for (const s of store.senders()) store.judgeSender(s.peerId, 'confirmed', 100);
  assert.equal(store.putSender(hello(MAX_SENDERS + 1), MAX_SENDERS), false);
  assert.equal(store.senders().length, MAX_SENDERS);
});

test('a session starts beside a locked vault only when its passphrase was forgotten', () => {
  assert.match(startRefusal('unlocked', false, true)!.message, /nothing to recover/);
  assert.match(startRefusal('unlocked', true, true)!.message, /nothing to recover/);
  assert.match(startRefusal('locked', false, false)!.message, /--forgot/);
  assert.equal(startRefusal('locked', false, true), null);
  assert.equal(startRefusal('locked', true, false), null, 'a session that exists goes on');
  assert.equal(startRefusal('empty', false, false), null);
});
