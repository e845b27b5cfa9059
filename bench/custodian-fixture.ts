/**
 * A custodian data dir holding for N owners, written with the real store classes (Store, FriendsStore,
 * CustodianStore) and real crypto: each owner is a fresh identity and a friend of the custodian (consent given),
 * with a real 2-of-3 split, its real sealed shard envelope for this custodian, and a real signed manifest and
 * encrypted chunks of a small owner vault (a few items: one 4 KiB padding bucket, one or two chunks).
 *
 * The custodian's own vault is made by a real `tessera serve` first (so migrations, vault and identity are exactly
 * what the app writes); then that process is stopped and the owners are added in batched transactions.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { Store, databasePath } from '../electron/core/store/store.ts';
import { FriendsStore } from '../electron/core/mesh/friends-store.ts';
import { CustodianStore } from '../electron/core/backup/custodian-store.ts';
import { nativeBackupCrypto } from '../electron/core/crypto-native/native-backup-crypto.ts';
import { generateIdentity, peerIdOf } from '../shared/crypto/identity.ts';
import type { IdentityKeys } from '../shared/crypto/identity.ts';
import { splitKey } from '../shared/shards/split.ts';
import { sealShardEnvelope, signShardEnvelope } from '../shared/shards/envelope.ts';
import { buildBackup } from '../shared/formats/backup.ts';
import type { Snapshot } from '../shared/formats/snapshot.ts';
import { decodeInvite } from '../shared/protocol/invite.ts';
import { toHex } from '../shared/crypto/bytes.ts';
import { startServe, tempDataDir } from '../tests/helpers/serve-process.ts';
import { TEST_PASSPHRASE } from '../tests/helpers/cluster.ts';
import { log } from './lib.ts';

export interface FixtureOwner {
  signSeed: string;
  boxSecret: string;
  peerId: string;
  sealedEnvelope: string;
  manifest: string;
  chunkIds: string[];
}

export interface CustodianFixture {
  dataDir: string;
  custodianPeerId: string;
  owners: number;
  /** A few owners whose secrets the benchmark peers use (they are friends of the custodian). */
  sample: FixtureOwner[];
  generateMs: number;
}

function ownerSnapshot(owner: IdentityKeys, custodian: IdentityKeys['signPublic'], i: number): Snapshot {
  return {
    identity: owner,
    displayName: `Owner ${i}`,
    contacts: [],
    items: Array.from({ length: 3 }, (_, k) => ({
      id: `${i}-${k}`,
      title: `Login ${k}`,
      secret: toHex(randomBytes(24)),
      notes: `notes ${k} of owner ${i} `.repeat(20),
      tags: ['web'],
      attachments: [],
      createdAt: 1_700_000_000_000 + i,
      updatedAt: 1_700_000_000_000 + i,
    })),
    heldShards: [],
    settings: { custodian: toHex(custodian) },
  };
}

interface Generated {
  owner: IdentityKeys;
  peerId: string;
  split: { splitId: Uint8Array };
  sealed: Uint8Array;
  built: { manifest: Uint8Array; chunks: Map<string, Uint8Array> };
  i: number;
}

type CustodianKeys = { signPublic: Uint8Array; boxPublic: Uint8Array; boxSignature: Uint8Array };

/** The CPU-heavy part (identities, splits, envelopes, backups) for owners [from, to). */
export async function generateOwners(
  custodian: CustodianKeys,
  from: number,
  to: number,
  now: number,
): Promise<Generated[]> {
  const batch: Generated[] = [];
  for (let i = from; i < to; i++) {
    const owner = generateIdentity();
    const peerId = peerIdOf(owner.signPublic);
    const split = await splitKey(2, 3);
    const signed = signShardEnvelope(
      {
        splitId: split.splitId,
        owner: owner.signPublic,
        custodian: custodian.signPublic,
        threshold: split.threshold,
        commitment: split.commitment,
        x: split.shares[0]!.x,
        y: split.shares[0]!.y,
        created: now,
      },
      owner.signSeed,
    );
    const sealed = sealShardEnvelope(signed, custodian);
    const built = buildBackup(
      ownerSnapshot(owner, custodian.signPublic, i),
      split.key,
      owner,
      1,
      undefined,
      nativeBackupCrypto,
    );
    batch.push({
      owner,
      peerId,
      split: { splitId: split.splitId },
      sealed,
      built: { manifest: built.manifest, chunks: built.chunks },
      i,
    });
  }
  return batch;
}

/** Generation runs on worker threads (one per core) while the main thread writes SQLite. */
function workerPool(custodian: CustodianKeys, now: number) {
  const size = Math.max(1, Math.min(4, availableParallelism()));
  const workers = Array.from(
    { length: size },
    () =>
      new Worker(new URL('./custodian-fixture-worker.ts', import.meta.url), {
        workerData: { custodian, now },
      }),
  );
  let next = 0;
  const run = (from: number, to: number) =>
    new Promise<Generated[]>((resolve, reject) => {
      const w = workers[next++ % workers.length]!;
      const id = `${from}-${to}`;
      const onMessage = (m: { id: string; batch: Generated[] }) => {
        if (m.id !== id) return;
        w.off('message', onMessage);
        w.off('error', reject);
        resolve(m.batch);
      };
      w.on('message', onMessage);
      w.once('error', reject);
      w.postMessage({ id, from, to });
    });
  return { run, close: () => Promise.all(workers.map((w) => w.terminate())) };
}

export async function makeCustodianFixture(owners: number, sampleSize = 8): Promise<CustodianFixture> {
  const started = performance.now();
  const dataDir = tempDataDir('tessera-bench-custodian');
  const serve = await startServe({
    dataDir,
    env: { TESSERA_MDNS: '0', TESSERA_PASSPHRASE: TEST_PASSPHRASE },
  });
  await serve.client.call('vault.create', { name: 'Custodian', passphrase: TEST_PASSPHRASE });
  const invite = decodeInvite((await serve.client.call('friends.invite', {})).code);
  await serve.stop();
  const custodian = {
    signPublic: invite.signPublic,
    boxPublic: invite.boxPublic,
    boxSignature: invite.boxSignature,
  };

  const store = Store.open(databasePath(dataDir));
  const friends = new FriendsStore(store.db);
  const held = new CustodianStore(store);
  const sample: FixtureOwner[] = [];
  const now = Date.now();
  const BATCH = 250;
  const pool = workerPool(custodian, now);
  const pending = new Map<number, Promise<Generated[]>>();
  const nextBatch = (from: number, to: number) => {
    // Keep two batches per worker in flight ahead of the writer.
    for (let s = from; s < Math.min(owners, from + 4 * BATCH); s += BATCH)
      if (!pending.has(s)) pending.set(s, pool.run(s, Math.min(owners, s + BATCH)));
    const p = pending.get(from)!;
    pending.delete(from);
    void to;
    return p;
  };
  try {
    for (let start = 0; start < owners; start += BATCH) {
      const batch = await nextBatch(start, Math.min(owners, start + BATCH));
      // One transaction per batch (FriendsStore/CustodianStore transactions nest as savepoints).
      store.transaction(() => {
        for (const { owner, peerId, split, sealed, built, i } of batch) {
          friends.addFriend({
            peerId,
            name: `Owner ${i}`,
            signPublic: owner.signPublic,
            boxPublic: owner.boxPublic,
            boxSignature: owner.boxSignature,
            addresses: [`/ip4/127.0.0.1/tcp/${20000 + (i % 40000)}`],
            ownInviteHash: randomBytes(32),
            theirInviteHash: randomBytes(32),
            addedAt: now,
            lastSeen: now,
          });
          held.putRequest({
            ownerPeerId: peerId,
            threshold: 2,
            custodians: 3,
            nonce: randomBytes(32),
            expiresAt: now + 7 * 86_400_000,
            state: 'accepted',
            createdAt: now,
          });
          held.markAnswerDelivered(peerId, held.request(peerId)!.nonce);
          const deposit = held.newDeposit();
          deposit.add([...built.chunks].map(([id, data]) => ({ id, data })));
          deposit.persistNow();
          held.commitHolding(
            {
              ownerPeerId: peerId,
              splitId: split.splitId,
              sealedEnvelope: sealed,
              manifest: built.manifest,
              version: 1,
            },
            deposit,
            new Set(built.chunks.keys()),
            now,
          );
          if (sample.length < sampleSize) {
            sample.push({
              signSeed: toHex(owner.signSeed),
              boxSecret: toHex(owner.boxSecret),
              peerId,
              sealedEnvelope: toHex(sealed),
              manifest: toHex(built.manifest),
              chunkIds: [...built.chunks.keys()],
            });
          }
        }
      });
      if ((start / BATCH) % 8 === 0) log(`custodian fixture: ${start + batch.length}/${owners} owners`);
    }
  } finally {
    await pool.close();
    store.db.pragma('wal_checkpoint(TRUNCATE)');
    store.db.close();
  }
  const fixture: CustodianFixture = {
    dataDir,
    custodianPeerId: peerIdOf(custodian.signPublic),
    owners,
    sample,
    generateMs: performance.now() - started,
  };
  writeFileSync(join(dataDir, 'bench-fixture.json'), JSON.stringify(fixture));
  return fixture;
}

if (import.meta.main) {
  const n = Number(process.argv[2] ?? 200);
  const f = await makeCustodianFixture(n);
  log(`fixture: ${f.dataDir}, ${n} owners in ${Math.round(f.generateMs)} ms`);
}
