/**
 * The new device's side of /tessera/recovery/2.0.0 (PROTOCOL §11.2–11.3) over an in-memory framed link, against the
 * session's real store (SQLite in a temp dir) and the custodian's real half (custodian-protocol.ts): a first frame
 * over 512 bytes is refused before it is read; a hello records the sender with the code both screens show; a knock
 * needs that hello; a delivery is stored under its sender, each chunk under the digest its manifest lists; a
 * withdrawal is recorded only for a sender that said hello.
 */
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { sealTo } from '../../../shared/crypto/box.ts';
import { generateIdentity } from '../../../shared/crypto/identity.ts';
import type { IdentityKeys } from '../../../shared/crypto/identity.ts';
import { buildBackup } from '../../../shared/formats/backup.ts';
import { possessionProof } from '../../../shared/protocol/recovery-code.ts';
import {
  decodeRecoveryMessage,
  encodeRecoveryMessage,
  FIRST_FRAME_BYTES,
  RECOVERY_SHARD_CONTEXT,
} from '../../../shared/protocol/recovery.ts';
import type { WithdrawReason } from '../../../shared/protocol/recovery.ts';
import {
  deliver,
  RecoveryRefusedError,
  sayHello,
  tellWaiting,
  withdraw,
} from '../../../electron/core/recovery/custodian-protocol.ts';
import { sessionEndpoint } from '../../../electron/core/recovery/session-endpoint.ts';
import { serveRecoveryConversation } from '../../../electron/core/recovery/session-protocol.ts';
import type { RecoverySessionStore, SessionRow } from '../../../electron/core/recovery/session-store.ts';
import { link, ownerWithSplit, peerOf, sessionStore } from './fixtures.ts';

interface Session {
  store: RecoverySessionStore;
  row: SessionRow;
  keys: IdentityKeys;
  q: Uint8Array;
  heard: [string, string, boolean][];
  withdrew: [string, WithdrawReason][];
  stored: [string, number][];
  /** Serves one conversation from `peer`; returns the custodian's end. */
  converse(peer: string): {
    custodian: ReturnType<typeof link>['custodian'];
    done: Promise<void>;
    link: ReturnType<typeof link>;
  };
}

function openSession(t: TestContext): Session {
  const store = sessionStore(t);
  const keys = generateIdentity();
  store.insertSession({
    signSeed: keys.signSeed,
    boxPublic: keys.boxPublic,
    boxSealed: new Uint8Array(48),
    keyWrap: '{}',
    secret: new Uint8Array(randomBytes(16)),
    name: null,
    port: null,
    expiresAt: 10_000,
    createdAt: 0,
    remote: false,
  });
  const row = store.session()!;
  const s: Session = {
    store,
    row,
    keys,
    q: possessionProof({ signPublic: keys.signPublic, secret: row.secret }),
    heard: [],
    withdrew: [],
    stored: [],
    converse(peer) {
      const l = link(peer);
      const endpoint = sessionEndpoint({
        store,
        row,
        now: () => 42,
        restoring: () => false,
        pathOf: () => null,
        heard: (p, name, kept) => void s.heard.push([p, name, kept]),
        withdrew: (p, _name, why) => void s.withdrew.push([p, why]),
        waiting: () => {},
        stored: (p, chunks) => {
          s.stored.push([p, chunks]);
          return { have: 1, need: 2 };
        },
      });
      return { custodian: l.custodian, done: serveRecoveryConversation(l.session, endpoint), link: l };
    },
  };
  return s;
}

test(`a first frame over ${FIRST_FRAME_BYTES} bytes is refused before it is read`, async (t) => {
  const s = openSession(t);
  const peer = peerOf(generateIdentity());
  const c = s.converse(peer);
  await c.custodian.send(new Uint8Array(FIRST_FRAME_BYTES + 1));
  const answer = decodeRecoveryMessage(await c.custodian.receive());
  await c.done;
  assert.equal(answer.t, 'refused');
  assert.match(answer.t === 'refused' ? answer.reason : '', new RegExp(`exceeds ${FIRST_FRAME_BYTES} bytes`));
  assert.deepEqual(c.link.session.limits, [FIRST_FRAME_BYTES], 'read with the first-frame cap');
  assert.deepEqual(c.link.read.session, [], 'no byte of the frame was handed to the session');
  assert.deepEqual([s.heard, s.store.senders()], [[], []]);
});

test('a hello records the sender with the code both screens show; a wrong proof is refused', async (t) => {
  const s = openSession(t);
  const custodian = generateIdentity();
  const peer = peerOf(custodian);
  const keys = { initiator: custodian.signPublic, responder: s.keys.signPublic };

  const wrong = s.converse(peer);
  await assert.rejects(
    sayHello(wrong.custodian, new Uint8Array(32), 'Ana', keys),
    /does not match this recovery/,
  );
  await wrong.done;
  assert.deepEqual(s.store.senders(), []);

  const c = s.converse(peer);
  const [code] = await Promise.all([sayHello(c.custodian, s.q, 'Ana', keys), c.done]);
  assert.match(code, /^\d{6}$/);
  const sender = s.store.sender(peer)!;
  assert.deepEqual(
    [sender.name, sender.sasCode, sender.helloAt, sender.confirmedAt],
    ['Ana', code, 42, null],
  );
  assert.deepEqual(s.heard, [[peer, 'Ana', true]]);
});

test('a knock needs a hello first; after it a delivery is stored under its sender, chunks by digest', async (t) => {
  const s = openSession(t);
  const owner = await ownerWithSplit(2, 2);
  const custodian = owner.custodians[0]!;
  const peer = peerOf(custodian);
  const backup = buildBackup(
    { identity: owner.keys, displayName: 'Ana', contacts: [], items: [], heldShards: [], settings: {} },
    owner.split.key,
    owner.keys,
    1,
  );
  const delivery = {
    q: s.q,
    shard: sealTo(s.keys.boxPublic, owner.signed[0]!, RECOVERY_SHARD_CONTEXT),
    manifest: backup.manifest,
    chunk: (idHex: string) => backup.chunks.get(idHex),
  };

  const early = s.converse(peer);
  await assert.rejects(deliver(early.custodian, delivery), (err: unknown) => {
    assert.ok(err instanceof RecoveryRefusedError);
    assert.match(err.message, /say hello first/);
    return true;
  });
  await early.done;
  assert.deepEqual([s.store.pieces(), s.store.chunkBytes()], [[], 0]);

  const hello = s.converse(peer);
  await Promise.all([
    sayHello(hello.custodian, s.q, 'Ana', { initiator: custodian.signPublic, responder: s.keys.signPublic }),
    hello.done,
  ]);
  const c = s.converse(peer);
  const [progress] = await Promise.all([deliver(c.custodian, delivery), c.done]);
  assert.deepEqual(progress, { have: 1, need: 2, missing: 0 });
  assert.deepEqual(s.stored, [[peer, backup.info.chunks.length]]);
  const [piece] = s.store.pieces();
  assert.deepEqual(
    [piece?.sender, piece?.sealed, piece?.manifest, piece?.receivedAt],
    [peer, delivery.shard, new Uint8Array(backup.manifest), 42],
  );
  let bytes = 0;
  for (const ref of backup.info.chunks) {
    assert.deepEqual(s.store.chunk(ref.digest), new Uint8Array(backup.chunks.get(ref.id)!));
    bytes += ref.length;
  }
  assert.equal(s.store.chunkBytes(peer), bytes);

  // Again: the session holds every digest, so it asks for nothing and keeps the one piece per sender.
  const again = s.converse(peer);
  await Promise.all([deliver(again.custodian, delivery), again.done]);
  assert.equal(s.store.pieces().length, 1);
  assert.deepEqual(s.stored.at(-1), [peer, 0]);
  assert.equal(s.store.chunkBytes(peer), bytes);
});

test('a chunk that was not asked for ends the delivery, and nothing of it is stored', async (t) => {
  const s = openSession(t);
  const owner = await ownerWithSplit(2, 2);
  const custodian = owner.custodians[0]!;
  const peer = peerOf(custodian);
  const hello = s.converse(peer);
  await Promise.all([
    sayHello(hello.custodian, s.q, 'Ana', { initiator: custodian.signPublic, responder: s.keys.signPublic }),
    hello.done,
  ]);
  const c = s.converse(peer);
  await c.custodian.send(encodeRecoveryMessage({ t: 'knock', q: s.q }));
  assert.equal(decodeRecoveryMessage(await c.custodian.receive()).t, 'welcome');
  const shard = sealTo(s.keys.boxPublic, owner.signed[0]!, RECOVERY_SHARD_CONTEXT);
  await c.custodian.send(encodeRecoveryMessage({ t: 'offer', shard, manifest: new Uint8Array(0) }));
  const need = decodeRecoveryMessage(await c.custodian.receive());
  assert.deepEqual(need, { t: 'need', ids: [] });
  await c.custodian.send(
    encodeRecoveryMessage({ t: 'chunk', id: new Uint8Array(32), data: new Uint8Array(100) }),
  );
  const answer = decodeRecoveryMessage(await c.custodian.receive());
  await c.done;
  assert.deepEqual(answer, { t: 'refused', reason: 'a chunk that was not asked for' });
  assert.deepEqual([s.store.pieces(), s.store.chunkBytes(), s.stored], [[], 0, []]);
});

test('a withdrawal is recorded only for a sender that said hello', async (t) => {
  const s = openSession(t);
  const stranger = s.converse(peerOf(generateIdentity()));
  await withdraw(stranger.custodian, s.q, 'declined');
  await stranger.done;
  assert.deepEqual(s.withdrew, []);

  const custodian = generateIdentity();
  const peer = peerOf(custodian);
  const hello = s.converse(peer);
  await Promise.all([
    sayHello(hello.custodian, s.q, 'Ana', { initiator: custodian.signPublic, responder: s.keys.signPublic }),
    hello.done,
  ]);
  const c = s.converse(peer);
  await withdraw(c.custodian, s.q, 'expired');
  await c.done;
  assert.deepEqual(s.withdrew, [[peer, 'expired']]);
});

test('remote: a waiting approval is recorded for a sender that said hello, and standing names only those still approving', async (t) => {
  const s = openSession(t);
  const say = async (who: IdentityKeys, name: string) => {
    const c = s.converse(peerOf(who));
    await Promise.all([
      sayHello(c.custodian, s.q, name, { initiator: who.signPublic, responder: s.keys.signPublic }),
      c.done,
    ]);
  };
  const waiting = async (who: IdentityKeys, until: number) => {
    const c = s.converse(peerOf(who));
    const [names] = await Promise.all([tellWaiting(c.custodian, s.q, until), c.done]);
    return names;
  };
  const [kim, lee, eve] = [generateIdentity(), generateIdentity(), generateIdentity()];

  // Someone with the code who never compared codes cannot claim to approve.
  await assert.rejects(waiting(eve, 99), /say hello first/);
  assert.deepEqual(s.store.senders(), []);

  await say(kim, 'Kim');
  await say(lee, 'Lee');
  assert.deepEqual(await waiting(kim, 1_000), ['Kim']);
  // Senders are listed by hello time, then peer ID (random here): compare as sets.
  assert.deepEqual((await waiting(lee, 2_000)).sort(), ['Kim', 'Lee']);
  assert.equal(s.store.sender(peerOf(kim))!.releaseAt, 1_000);

  // Lee withdraws during the wait: it is kept on disk, Lee may not deliver, and only Kim's approval stands.
  const w = s.converse(peerOf(lee));
  await withdraw(w.custodian, s.q, 'withdrew');
  await w.done;
  assert.equal(s.store.sender(peerOf(lee))!.ended, 'withdrew');
  assert.deepEqual(await waiting(kim, 1_000), ['Kim']);
  const knock = s.converse(peerOf(lee));
  await knock.custodian.send(encodeRecoveryMessage({ t: 'knock', q: s.q }));
  const refused = decodeRecoveryMessage(await knock.custodian.receive());
  await knock.done;
  assert.match(refused.t === 'refused' ? refused.reason : '', /you withdrew/);

  // Kim's Tessera says the owner's device stopped it; a new hello (approving again) clears an ending.
  const stop = s.converse(peerOf(kim));
  await withdraw(stop.custodian, s.q, 'stopped');
  await stop.done;
  assert.equal(s.store.sender(peerOf(kim))!.ended, 'stopped');
  await say(lee, 'Lee');
  assert.deepEqual(
    [s.store.sender(peerOf(lee))!.ended, s.store.sender(peerOf(lee))!.releaseAt],
    [null, null],
  );
});
