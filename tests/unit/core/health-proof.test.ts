/**
 * The data part of a health check (docs/PROTOCOL.md §9.2, "Health"), on a real backup (real chunk encryption,
 * a signed manifest) held in a real custodian store (SQLite and pack files): the proof over the right chunks
 * verifies; one flipped byte, a chunk left out or another nonce does not; and a custodian answering a challenge
 * over chunks it lost (a pack file deleted or cut short, a byte flipped in the database) cannot prove them, notices,
 * and drops the broken version, so the owner's next update re-deposits exactly what is missing. And the owner's
 * judgement, from its real store: an honest answer is ok; one computed over the manifest's public digests is a
 * mismatch (not delivered, owed the version again); a build from before data proofs is asked again for the envelope
 * alone and shown unproven, never ok.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readdirSync, rmSync, truncateSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { generateIdentity, peerIdOf } from '../../../shared/crypto/identity.ts';
import { buildBackup } from '../../../shared/formats/backup.ts';
import type { BuiltBackup } from '../../../shared/formats/backup.ts';
import { fromHex, toHex } from '../../../shared/crypto/bytes.ts';
import {
  decodeBackupMessage,
  encodeBackupMessage,
  type BackupMessage,
} from '../../../shared/protocol/backup.ts';
import { HEALTH_CHUNKS, healthDataProof, sampleIndexes } from '../../../shared/protocol/health-proof.ts';
import { MalformedDataError } from '../../../shared/crypto/errors.ts';
import { Store, databasePath } from '../../../electron/core/store/store.ts';
import { CustodianStore } from '../../../electron/core/backup/custodian-store.ts';
import { CustodianBackupService } from '../../../electron/core/backup/custodian-service.ts';
import { OwnerBackupService } from '../../../electron/core/backup/owner-service.ts';
import { OwnerStore } from '../../../electron/core/backup/owner-store.ts';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import type { BackupContext } from '../../../electron/core/backup/backup-context.ts';
import { readConfig } from '../../../electron/core/config.ts';
import { HELD_PACKS_DIR } from '../../../electron/core/backup/held-packs.ts';
import type { Conversation } from '../../../electron/core/mesh/rpc.ts';
import { FriendVersions } from '../../../electron/core/mesh/friend-versions.ts';
import { counterRandom, sampleSnapshot } from '../shared/helpers.ts';
import { tempDir } from '../vault/helpers.ts';

const owner = generateIdentity(counterRandom(501));
const OWNER = peerIdOf(owner.signPublic);
const custodianKeys = generateIdentity(counterRandom(502));
const K = counterRandom(503)(32);
const split = counterRandom(504)(16);

/** A backup of about 2 MiB (one item with a random attachment), so a custodian keeps it in a pack file. */
function bigBackup(version = 1, previous?: BuiltBackup): BuiltBackup {
  const s = sampleSnapshot(7, 3);
  s.items[1]!.title = `changed in version ${version}`;
  s.items[0]!.attachments = [
    { name: 'scan.bin', mediaType: 'application/octet-stream', data: counterRandom(505)(2 * 1024 * 1024) },
  ];
  return buildBackup(s, K, owner, version, previous?.info);
}

const built = bigBackup();
const ids = built.info.chunks.map((c) => c.id);
const named = (indexes: number[]) =>
  indexes.map((i) => ({ id: fromHex(ids[i]!), data: built.chunks.get(ids[i]!)! }));

test('the proof verifies over the right chunks; a flipped byte, a missing chunk or another nonce fails', () => {
  const nonce = new Uint8Array(randomBytes(32));
  const chunks = named(sampleIndexes(ids.length, HEALTH_CHUNKS));
  assert.equal(chunks.length, HEALTH_CHUNKS);
  const expected = healthDataProof(nonce, chunks);
  assert.deepEqual(
    healthDataProof(
      nonce,
      chunks.map((c) => ({ id: c.id, data: Uint8Array.from(c.data) })),
    ),
    expected,
  );

  const flipped = chunks.map((c) => ({ id: c.id, data: Uint8Array.from(c.data) }));
  flipped[5]!.data[flipped[5]!.data.length - 1]! ^= 0x01;
  assert.notDeepEqual(healthDataProof(nonce, flipped), expected, 'one flipped byte');
  assert.notDeepEqual(healthDataProof(nonce, chunks.slice(1)), expected, 'a chunk left out');
  assert.notDeepEqual(healthDataProof(nonce, [...chunks].reverse()), expected, 'in another order');
  const truncated = chunks.map((c, i) => (i === 3 ? { id: c.id, data: c.data.subarray(0, -1) } : c));
  assert.notDeepEqual(healthDataProof(nonce, truncated), expected, 'a chunk cut short');
  assert.notDeepEqual(healthDataProof(new Uint8Array(randomBytes(32)), chunks), expected, 'another nonce');
  // The manifest's digests, public to every custodian, are no substitute for the bytes.
  const digests = chunks.map((c) => ({
    id: c.id,
    data: built.info.chunks.find((r) => r.id === toHex(c.id))!.digest,
  }));
  assert.notDeepEqual(healthDataProof(nonce, digests), expected, 'digests instead of chunks');
});

test('chunks are sampled uniformly, without repeats', () => {
  assert.deepEqual(sampleIndexes(5, 16).sort(), [0, 1, 2, 3, 4], 'all of them when there are fewer');
  assert.deepEqual(sampleIndexes(0, 16), []);
  const n = 20;
  const counts = new Array<number>(n).fill(0);
  const rounds = 4000;
  for (let r = 0; r < rounds; r++) {
    const picked = sampleIndexes(n, 4);
    assert.equal(new Set(picked).size, 4);
    for (const i of picked) {
      assert.ok(i >= 0 && i < n);
      counts[i]!++;
    }
  }
  // Each index is picked with probability 4/20: 800 expected of 4000, σ ≈ 25; 6σ either side.
  for (const c of counts) assert.ok(Math.abs(c - 800) < 150, `counts ${counts.join(',')}`);
});

test('challenge and proof: the new fields round-trip, are optional, and are checked', () => {
  const chunks = [fromHex(ids[0]!), fromHex(ids[1]!)];
  const samples: BackupMessage[] = [
    { t: 'challenge', nonce: new Uint8Array(32).fill(1) },
    { t: 'challenge', nonce: new Uint8Array(32).fill(1), chunks },
    { t: 'proof', held: true, version: 3, mac: new Uint8Array(32).fill(2) },
    { t: 'proof', held: true, version: 3, mac: new Uint8Array(32).fill(2), data: new Uint8Array(32).fill(3) },
  ];
  for (const m of samples) assert.deepEqual(decodeBackupMessage(encodeBackupMessage(m)), m);
  const bad: BackupMessage[] = [
    { t: 'challenge', nonce: new Uint8Array(32), chunks: [] },
    { t: 'challenge', nonce: new Uint8Array(32), chunks: [new Uint8Array(31)] },
    {
      t: 'challenge',
      nonce: new Uint8Array(32),
      chunks: Array.from({ length: 65 }, () => new Uint8Array(32)),
    },
    { t: 'proof', held: true, version: 1, mac: new Uint8Array(32), data: new Uint8Array(16) },
  ];
  for (const m of bad) assert.throws(() => decodeBackupMessage(encodeBackupMessage(m)), MalformedDataError);
});

// ---- the custodian's answer, from its real store ----------------------------------------------------------------

interface Held {
  dir: string;
  store: CustodianStore;
  service: CustodianBackupService;
  logs: string[];
}

function holding(t: TestContext, backup: BuiltBackup = built): Held {
  const dir = tempDir(t, 'tessera-health-');
  const db = Store.open(databasePath(dir));
  t.after(() => db.close());
  const store = new CustodianStore(db);
  store.putRequest({
    ownerPeerId: OWNER,
    threshold: 2,
    custodians: 2,
    nonce: new Uint8Array(32),
    expiresAt: 10,
    state: 'accepted',
    createdAt: 1,
  });
  const deposit = store.newDeposit();
  deposit.add([...backup.chunks].map(([id, data]) => ({ id, data })));
  deposit.persistNow();
  store.commitHolding(
    {
      ownerPeerId: OWNER,
      splitId: split,
      sealedEnvelope: new Uint8Array([9, 9, 9]),
      manifest: backup.manifest,
      version: backup.info.version,
    },
    deposit,
    new Set(backup.chunks.keys()),
    1,
  );
  const logs: string[] = [];
  // Only what answering a challenge touches; the store, the manifest and the crypto are real.
  const ctx = {
    custodianStore: store,
    friends: {
      getFriend: (peerId: string) => (peerId === OWNER ? { name: 'Olivia' } : null),
      nameOf: (peerId: string) => (peerId === OWNER ? 'Olivia' : null),
    },
    events: { changed: () => {}, emit: () => {} },
    config: readConfig({}),
    keys: () => custodianKeys,
    now: () => 2,
    log: (m: string) => logs.push(m),
  } as unknown as BackupContext;
  return { dir, store, service: new CustodianBackupService(ctx), logs };
}

async function challenge(h: Held, nonce: Uint8Array, chunkIds: Uint8Array[]) {
  let answer: Uint8Array | null = null;
  const conv: Conversation = {
    remotePeer: OWNER,
    signal: new AbortController().signal,
    send: async (m) => {
      answer = m;
    },
    receive: () => Promise.reject(new Error('nothing more')),
    close: async () => {},
    abort: () => {},
  };
  await h.service.serve(conv, { t: 'challenge', nonce, chunks: chunkIds });
  const proof = decodeBackupMessage(answer!);
  assert.equal(proof.t, 'proof');
  return proof as Extract<BackupMessage, { t: 'proof' }>;
}

const packFiles = (dir: string) =>
  readdirSync(join(dir, HELD_PACKS_DIR)).map((f) => join(dir, HELD_PACKS_DIR, f));

test('a custodian holding every chunk proves the named ones', async (t) => {
  const h = holding(t);
  assert.equal(packFiles(h.dir).length, 1, 'a deposit this large is kept in a pack');
  const nonce = new Uint8Array(randomBytes(32));
  const chunks = named(sampleIndexes(ids.length, HEALTH_CHUNKS));
  const proof = await challenge(
    h,
    nonce,
    chunks.map((c) => c.id),
  );
  assert.equal(proof.version, 1);
  assert.deepEqual(proof.data, healthDataProof(nonce, chunks));
  assert.deepEqual(h.logs, []);
});

for (const damage of ['deleted', 'truncated'] as const) {
  test(`a custodian whose pack file was ${damage} cannot prove its chunks, drops the version, and is repaired by a re-send`, async (t) => {
    const h = holding(t);
    const [pack] = packFiles(h.dir);
    if (damage === 'deleted') rmSync(pack!);
    else truncateSync(pack!, 4096);
    const nonce = new Uint8Array(randomBytes(32));
    // Even chunks still readable (the first ones, of a truncated pack) give no proof: the version is incomplete.
    const chunks = named([0]);
    const proof = await challenge(
      h,
      nonce,
      chunks.map((c) => c.id),
    );
    assert.equal(proof.held, true, 'the envelope is still there');
    assert.notDeepEqual(proof.data, healthDataProof(nonce, chunks));
    assert.deepEqual(proof.data, new Uint8Array(32));
    assert.equal(proof.version, 0, 'the broken version is dropped');
    assert.match(h.logs.join('\n'), /Olivia's backup is damaged or missing here \(1 pack file/);
    assert.equal(h.store.held(OWNER)?.version, 0);
    assert.deepEqual(h.store.damagedPacks(OWNER), []);

    // The owner sends the version again: the custodian asks for exactly the chunks it lost, and then proves them.
    const offer = h.service.verifyOffer(OWNER, { split, sealed: null, manifest: built.manifest });
    assert.equal(offer.wanted.size, built.chunks.size, 'the whole pack was lost: every chunk is wanted');
    const deposit = h.store.newDeposit();
    h.service.acceptChunks(
      offer,
      deposit,
      [...offer.wanted.keys()].map((id) => ({ id: fromHex(id), data: built.chunks.get(id)! })),
    );
    await deposit.persist();
    h.service.commitOffer(offer, deposit);
    const again = await challenge(
      h,
      nonce,
      chunks.map((c) => c.id),
    );
    assert.equal(again.version, 1);
    assert.deepEqual(again.data, healthDataProof(nonce, chunks));
  });
}

test('a chunk flipped in place is noticed when named, and only it is sent again', async (t) => {
  // A small version, kept in the database rather than a pack.
  const s = sampleSnapshot(8, 3);
  const small = buildBackup(s, K, owner, 1);
  const smallIds = small.info.chunks.map((c) => c.id);
  const h = holding(t, small);
  assert.deepEqual(readdirSync(h.dir).includes(HELD_PACKS_DIR) ? packFiles(h.dir) : [], []);
  const db = new Database(databasePath(h.dir));
  const victim = smallIds[0]!;
  const row = db
    .prepare('SELECT data FROM held_chunks WHERE chunk_id = ?')
    .get(Buffer.from(victim, 'hex')) as { data: Buffer };
  row.data[10]! ^= 0xff;
  db.prepare('UPDATE held_chunks SET data = ? WHERE chunk_id = ?').run(row.data, Buffer.from(victim, 'hex'));
  db.close();

  const nonce = new Uint8Array(randomBytes(32));
  const proof = await challenge(h, nonce, [fromHex(victim)]);
  assert.deepEqual(proof.data, new Uint8Array(32));
  assert.equal(proof.version, 0);
  const offer = h.service.verifyOffer(OWNER, { split, sealed: null, manifest: small.manifest });
  assert.deepEqual([...offer.wanted.keys()], [victim], 'only the damaged chunk is asked for');
});

test('chunks of a version the custodian does not hold are not proven, and nothing is dropped', async (t) => {
  const h = holding(t);
  const next = bigBackup(2, built);
  const fresh = next.info.chunks.find((c) => !built.chunks.has(c.id));
  assert.ok(fresh, 'version 2 has a chunk version 1 does not');
  const proof = await challenge(h, new Uint8Array(32), [fromHex(fresh.id)]);
  assert.deepEqual(proof.data, new Uint8Array(32));
  assert.equal(proof.version, 1, 'still holds version 1, complete');
  assert.equal(h.store.chunkIds(OWNER).size, built.chunks.size);
});

// ---- the owner's side: what it asks, how it judges the answer -----------------------------------------------------

type Answer = (msg: Extract<BackupMessage, { t: 'challenge' }>, envelope: Uint8Array) => BackupMessage | null;

/** Custodians as the owner meets them on the wire: each answers a challenge its own way (null: resets the stream). */
const CUSTODIANS: Record<string, { name: string; envelope: Uint8Array; answer: Answer }> = {};
const proofOf = (
  msg: Extract<BackupMessage, { t: 'challenge' }>,
  envelope: Uint8Array,
  data?: Uint8Array,
) => ({
  t: 'proof' as const,
  held: true,
  version: 1,
  mac: hmac(sha256, msg.nonce, envelope),
  ...(data ? { data } : {}),
});
const chunkById = (id: Uint8Array) => ({ id, data: built.chunks.get(toHex(id))! });
function custodianNamed(name: string, answer: Answer): string {
  const peerId = peerIdOf(generateIdentity(counterRandom(600 + Object.keys(CUSTODIANS).length)).signPublic);
  CUSTODIANS[peerId] = { name, envelope: new Uint8Array(randomBytes(300)), answer };
  return peerId;
}
const honest = custodianNamed('Hana', (msg, env) =>
  proofOf(msg, env, msg.chunks && healthDataProof(msg.nonce, msg.chunks.map(chunkById))),
);
// Keeps the manifest (public digests) but not the chunks: it answers over what it has.
const digestsOnly = custodianNamed('Dov', (msg, env) => {
  const digest = (id: Uint8Array) => built.info.chunks.find((c) => c.id === toHex(id))!.digest;
  return proofOf(
    msg,
    env,
    msg.chunks &&
      healthDataProof(
        msg.nonce,
        msg.chunks.map((id) => ({ id, data: digest(id) })),
      ),
  );
});
// A build from before data proofs: its decoder refuses a challenge with `chunks` and resets the stream.
const old = custodianNamed('Olaf', (msg, env) => (msg.chunks ? null : proofOf(msg, env)));

function fakeConversation(peerId: string): Conversation {
  const c = CUSTODIANS[peerId]!;
  let reply: Promise<Uint8Array> = Promise.reject(new Error('nothing sent'));
  reply.catch(() => {});
  return {
    remotePeer: peerId,
    signal: new AbortController().signal,
    send: async (bytes) => {
      const msg = decodeBackupMessage(bytes);
      if (msg.t !== 'challenge') {
        // The update the owner sends after a failed proof (its reconcile) is left pending: this test looks at the
        // check alone; backup-health.test.ts follows the repair between real processes.
        reply = new Promise<Uint8Array>(() => {});
        return;
      }
      const answer = c.answer(msg, c.envelope);
      reply = answer
        ? Promise.resolve(encodeBackupMessage(answer as BackupMessage))
        : Promise.reject(new Error('stream reset'));
      reply.catch(() => {});
    },
    receive: () => reply,
    close: async () => {},
    abort: () => {},
  };
}

test('the owner judges proofs against its own chunks: honest ok, digests-only mismatch, an old build unproven', async (t) => {
  const dir = tempDir(t, 'tessera-owner-health-');
  const db = Store.open(databasePath(dir));
  t.after(() => db.close());
  const ownerStore = new OwnerStore(db);
  const peers = [honest, digestsOnly, old];
  ownerStore.startSplit(
    { splitId: split, threshold: 2, keySealed: new Uint8Array(40) },
    peers.map((peerId) => ({
      peerId,
      sealedEnvelope: CUSTODIANS[peerId]!.envelope,
      requestNonce: new Uint8Array(32),
      requestExpires: Date.now() + 60_000,
    })),
    1,
  );
  ownerStore.saveVersion(1, split, built.manifest, built.chunks, 1);
  for (const peerId of peers)
    ownerStore.updateCustodian(
      split,
      peerId,
      { state: 'accepted', envelopeDelivered: true, versionHeld: 1, health: 'ok' },
      1,
    );
  const asked: { peerId: string; chunks: number }[] = [];
  const ctx = {
    store: db,
    friends: {
      getFriend: (peerId: string) => ({ name: CUSTODIANS[peerId]?.name ?? peerId }),
      nameOf: (peerId: string) => CUSTODIANS[peerId]?.name ?? peerId,
    },
    // Nothing seen of the custodians' Tessera (PROTOCOL §13.3).
    versions: new FriendVersions(),
    events: { changed: () => {}, emit: () => {} },
    keys: () => owner,
    selfPeerId: () => OWNER,
    vault: { state: () => 'locked' },
    link: {
      open: async (peerId: string) => {
        const conv = fakeConversation(peerId);
        const send = conv.send;
        conv.send = async (bytes) => {
          const msg = decodeBackupMessage(bytes);
          if (msg.t === 'challenge') asked.push({ peerId, chunks: msg.chunks?.length ?? 0 });
          await send(bytes);
        };
        return conv;
      },
    },
    now: () => 5,
    log: () => {},
  } as unknown as BackupContext;
  const service = new OwnerBackupService(ctx);
  t.after(() => service.close());
  const status = await service.checkHealth();
  const row = (peerId: string) => status.custodians.find((c) => c.peerId === peerId)!;

  assert.deepEqual([row(honest).health, row(honest).state, row(honest).lastError], ['ok', 'delivered', null]);
  assert.deepEqual([row(digestsOnly).health, row(digestsOnly).state], ['mismatch', 'accepted']);
  assert.match(row(digestsOnly).lastError ?? '', /Dov could not prove they still hold your backup's data/);
  assert.equal(ownerStore.custodian(split, digestsOnly)?.versionHeld, null, 'owed the version again');
  assert.equal(row(old).health, null, 'not ok: the data was not proven');
  assert.match(
    row(old).lastError ?? '',
    /Olaf holds your piece but could not prove it holds your backup's data/,
  );
  assert.deepEqual(
    asked.filter((a) => a.peerId === old).map((a) => a.chunks),
    [HEALTH_CHUNKS, 0],
    'asked for chunks, then for the envelope alone',
  );
  assert.ok(asked.filter((a) => a.peerId === honest).every((a) => a.chunks === HEALTH_CHUNKS));

  // Until the version is sent again, a check (the envelope alone: it is not at the current version) keeps it so.
  const again = await service.checkHealth();
  const dov = again.custodians.find((c) => c.peerId === digestsOnly)!;
  assert.deepEqual([dov.health, dov.state], ['mismatch', 'accepted']);
  assert.equal(asked.filter((a) => a.peerId === digestsOnly).at(-1)?.chunks, 0);
});
