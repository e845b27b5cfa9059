/**
 * Test-vector generator. Every vector is computed from fixed inputs and injected deterministic randomness, so the
 * stored files in tests/vectors/ pin every byte format: if a format changes, vectors.test.ts fails.
 *
 * To regenerate deliberately (after an intended, versioned format change):
 *   node_modules/.bin/node tests/vectors/regenerate.ts
 */
import { toHex, fromHex, utf8 } from '../../../shared/crypto/bytes.ts';
import { sealTo } from '../../../shared/crypto/box.ts';
import { sasCode, sasCommit } from '../../../shared/crypto/sas.ts';
import { fingerprintOf, identityFromSecrets, peerIdOf } from '../../../shared/crypto/identity.ts';
import { SIGN_CONTEXTS, signingInput, signWithContext } from '../../../shared/crypto/sign.ts';
import { buildBackup } from '../../../shared/formats/backup.ts';
import { deriveBackupKeys } from '../../../shared/formats/backup-keys.ts';
import { chunk } from '../../../shared/formats/chunker.ts';
import { encodeSnapshot, type Snapshot } from '../../../shared/formats/snapshot.ts';
import { pad } from '../../../shared/formats/padding.ts';
import { sealShardEnvelope, signShardEnvelope, type ShardEnvelope } from '../../../shared/shards/envelope.ts';
import { keyCommitment } from '../../../shared/shards/split.ts';
import { encodePaperPiece } from '../../../shared/paper/paper-piece.ts';
import { counterRandom } from './helpers.ts';

type Json = Record<string, unknown>;

const seq = (n: number, start: number) => new Uint8Array(n).map((_, i) => (start + i) & 0xff);

export const OWNER = identityFromSecrets(seq(32, 0x10), seq(32, 0x30));
export const CUSTODIAN = identityFromSecrets(seq(32, 0x50), seq(32, 0x70));
export const BACKUP_KEY = seq(32, 0x90);

/** Shares of the key 01 02 … 20 (3-of-4), made once with shamir-secret-sharing 0.0.4 and frozen here. */
export const FROZEN_SHARES = {
  key: toHex(seq(32, 1)),
  threshold: 3,
  shares: [
    { x: 114, y: 'e3125fadbd5786ea77ae5671503ed5db590c2de2e8b3e4035b82ec793db55af5' },
    { x: 174, y: '2c83ddb6e598263eb8b4df4385b0d51b3a1565ab4f5df2cc945dbcfa7f6ffdba' },
    { x: 225, y: 'e112806960973ad258517e0e3a2c4c2935da87e79b47fdc2230532e548872274' },
    { x: 78, y: 'be568be1a072ce37e93576985ee137a41ad24f96a22ea5217b48650905ec211f' },
  ],
};

export function vectorSnapshot(items: number): Snapshot {
  return {
    identity: OWNER,
    displayName: 'Alice',
    contacts: [
      {
        name: 'Bob',
        peerId: peerIdOf(CUSTODIAN.signPublic),
        boxPublic: CUSTODIAN.boxPublic,
        boxSignature: CUSTODIAN.boxSignature,
        addresses: ['/ip4/192.0.2.7/tcp/4001'],
      },
    ],
    items: Array.from({ length: items }, (_, i) => ({
      id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
      title: `Item ${i}`,
      secret: `secret-${i}-${'x'.repeat(i % 13)}`,
      notes: `Line ${i}\n`.repeat(1 + (i % 5)),
      tags: i % 3 === 0 ? ['bank'] : [],
      attachments: i === 1 ? [{ name: 'a.txt', mediaType: 'text/plain', data: utf8('hello') }] : [],
      createdAt: 1_700_000_000_000 + i,
      updatedAt: 1_700_000_500_000 + i,
    })),
    heldShards: [{ ownerPeerId: peerIdOf(CUSTODIAN.signPublic), envelope: seq(40, 0), latestVersion: 2 }],
    settings: { language: 'en', theme: 'dark' },
  };
}

function identityVector(): Json {
  return {
    description: 'Identity from fixed secrets: Ed25519 seed 10..2f, X25519 secret 30..4f.',
    signSeed: toHex(OWNER.signSeed),
    boxSecret: toHex(OWNER.boxSecret),
    signPublic: toHex(OWNER.signPublic),
    boxPublic: toHex(OWNER.boxPublic),
    boxSignature: toHex(OWNER.boxSignature),
    boxSignatureInput: toHex(
      signingInput(SIGN_CONTEXTS.boxKey, new Uint8Array([...OWNER.signPublic, ...OWNER.boxPublic])),
    ),
    peerId: peerIdOf(OWNER.signPublic),
    fingerprint: fingerprintOf(OWNER.signPublic),
  };
}

function signatureVector(): Json {
  const payload = utf8('payload');
  return {
    description: 'Domain-separated Ed25519 signature by the identity above.',
    context: SIGN_CONTEXTS.shardEnvelope,
    payload: toHex(payload),
    signingInput: toHex(signingInput(SIGN_CONTEXTS.shardEnvelope, payload)),
    signature: toHex(signWithContext(SIGN_CONTEXTS.shardEnvelope, payload, OWNER.signSeed)),
  };
}

function sealedBoxVector(): Json {
  const eph = counterRandom(100)(32);
  const plaintext = utf8('sealed box test');
  return {
    description: 'sealTo(custodian boxPublic) with the ephemeral secret given.',
    recipientBoxSecret: toHex(CUSTODIAN.boxSecret),
    recipientBoxPublic: toHex(CUSTODIAN.boxPublic),
    ephemeralSecret: toHex(eph),
    context: 'test',
    plaintext: toHex(plaintext),
    sealed: toHex(sealTo(CUSTODIAN.boxPublic, plaintext, 'test', () => eph)),
  };
}

function shardVector(): Json {
  const splitId = seq(16, 0xa0);
  const key = fromHex(FROZEN_SHARES.key);
  const share = FROZEN_SHARES.shares[0]!;
  const env: ShardEnvelope = {
    splitId,
    owner: OWNER.signPublic,
    custodian: CUSTODIAN.signPublic,
    threshold: FROZEN_SHARES.threshold,
    commitment: keyCommitment(splitId, key),
    x: share.x,
    y: fromHex(share.y),
    created: 1_700_000_000_000,
  };
  const signed = signShardEnvelope(env, OWNER.signSeed);
  const eph = counterRandom(101)(32);
  return {
    description:
      'Shamir shares (GF(2^8), x^8+x^4+x^3+x+1) of key 01..20, its commitment, and one signed+sealed envelope.',
    ...FROZEN_SHARES,
    splitId: toHex(splitId),
    commitment: toHex(env.commitment),
    envelope: {
      ...env,
      splitId: toHex(splitId),
      owner: toHex(env.owner),
      custodian: toHex(env.custodian),
      commitment: toHex(env.commitment),
      y: share.y,
    },
    signed: toHex(signed),
    sealEphemeralSecret: toHex(eph),
    sealed: toHex(sealShardEnvelope(signed, CUSTODIAN, () => eph)),
  };
}

function sasVector(): Json {
  const keys = { initiator: OWNER.signPublic, responder: CUSTODIAN.signPublic };
  const initiatorNonce = new Uint8Array(32).fill(0x11);
  const responderNonce = new Uint8Array(32).fill(0x22);
  const context = 'tessera/friends-sas/v1';
  return {
    description:
      'SAS with commitment (PROTOCOL §6.4): commit = sasCommit(ctx, keys, nR); code = sasCode(ctx, keys, nI, nR).',
    initiator: toHex(keys.initiator),
    responder: toHex(keys.responder),
    initiatorNonce: toHex(initiatorNonce),
    responderNonce: toHex(responderNonce),
    context,
    commit: toHex(sasCommit(context, keys, responderNonce)),
    code: sasCode(context, keys, initiatorNonce, responderNonce),
  };
}

/** Paper pieces (PROTOCOL §4.4) of the frozen 3-of-4 split: their words, and two mistypes the checksum catches. */
function paperVector(): Json {
  const splitId = seq(16, 0xa0);
  const pieces = FROZEN_SHARES.shares.map((s) => {
    const words = encodePaperPiece({ splitId, threshold: FROZEN_SHARES.threshold, x: s.x, y: fromHex(s.y) });
    return { x: s.x, y: s.y, words: words.join(' ') };
  });
  const words = pieces[0]!.words.split(' ');
  const wrong = [...words];
  wrong[9] = words[9] === 'academic' ? 'acid' : 'academic';
  const swapped = [...words];
  [swapped[2], swapped[3]] = [words[3]!, words[2]!];
  return {
    description:
      'Paper pieces: data = version 1 (4 bits) || t - 1 (4) || x (8) || splitId (128) || y (256) as 40 SLIP-0039 ' +
      'words, then 3 RS1024 check words under the customization "tessera-paper". Mistypes name their words.',
    splitId: toHex(splitId),
    threshold: FROZEN_SHARES.threshold,
    key: FROZEN_SHARES.key,
    pieces,
    mistyped: [
      { words: wrong.join(' '), positions: [10] },
      { words: swapped.join(' '), positions: [3, 4] },
    ],
  };
}

function backupVector(): Json {
  const keys = deriveBackupKeys(BACKUP_KEY);
  const small = vectorSnapshot(3);
  const b1 = buildBackup(small, BACKUP_KEY, OWNER, 1);
  const big = vectorSnapshot(400);
  const b2 = buildBackup(big, BACKUP_KEY, OWNER, 2, b1.info);
  const chunkData = counterRandom(102)(100_000);
  return {
    description: 'Backup of the vector snapshot: derived keys, snapshot CBOR, signed manifests and chunks.',
    backupKey: toHex(BACKUP_KEY),
    derived: {
      chunkKey: toHex(keys.chunkKey),
      sivKey: toHex(keys.sivKey),
      keyId: toHex(keys.keyId),
      gearFirst8: [...keys.gear.slice(0, 8)],
    },
    chunkerSample: {
      description: '100000 bytes of counterRandom(102) chunked with the gear of backupKey: chunk lengths.',
      lengths: chunk(chunkData, keys.gear).map((c) => c.length),
    },
    small: {
      snapshot: toHex(encodeSnapshot(small)),
      padded: { length: pad(encodeSnapshot(small)).length },
      version: 1,
      manifest: toHex(b1.manifest),
      chunks: Object.fromEntries([...b1.chunks].map(([id, bytes]) => [id, toHex(bytes)])),
    },
    large: {
      description:
        'vectorSnapshot(400), version 2, built on top of version 1. Chunks omitted (manifest has digests).',
      snapshotLength: encodeSnapshot(big).length,
      version: 2,
      manifest: toHex(b2.manifest),
      newChunkIds: b2.newChunkIds,
    },
  };
}

/** All vector files: name → content. */
export function computeVectors(): Record<string, Json> {
  return {
    'identity.json': identityVector(),
    'signature.json': signatureVector(),
    'sealed-box.json': sealedBoxVector(),
    'shard-envelope.json': shardVector(),
    'sas.json': sasVector(),
    'paper-piece.json': paperVector(),
    'backup.json': backupVector(),
  };
}
