/**
 * Hostile peers for the LAN recovery test, each a real libp2p node in its own process (in its own namespace in
 * netns mode):
 *   forge CODE NAME   a "custodian" that dials the session and delivers a piece whose owner signature is broken
 *   impostor CODE     a node with another key that listens, and prints the code rewritten to point at itself
 *   poison CODE NAME MANIFEST   a custodian who knows the real chunk ids (from the manifest it holds) and sends a
 *                     manifest it signed itself listing those ids with junk bytes (chunk-pool poisoning)
 *   fake-owner CODE OWNER NAME…   someone who saw the code: from fresh peer IDs, one per NAME, a validly signed split
 *                     of an owner key of their own (called OWNER) with a backup they wrote (vault substitution)
 * Imported by the test for `forgedCustodian` / `impostorCode`; run directly as the peer process.
 */
import { createInterface } from 'node:readline';
import { multiaddr } from '@multiformats/multiaddr';
import { peerIdFromString } from '@libp2p/peer-id';
import { sealTo } from '../../shared/crypto/box.ts';
import { generateIdentity, peerIdOf } from '../../shared/crypto/identity.ts';
import { randomBytes } from 'node:crypto';
import { sha256 } from '@noble/hashes/sha2.js';
import { fromHex, toHex } from '../../shared/crypto/bytes.ts';
import { buildBackup } from '../../shared/formats/backup.ts';
import { signManifest, verifyManifest } from '../../shared/formats/manifest.ts';
import { splitKey } from '../../shared/shards/split.ts';
import {
  decodeRecoveryCode,
  encodeRecoveryCode,
  possessionProof,
} from '../../shared/protocol/recovery-code.ts';
import { manifestClaimedOwner, RECOVERY_SHARD_CONTEXT } from '../../shared/protocol/recovery.ts';
import { createShardEnvelopes, openShardEnvelope, signShardEnvelope } from '../../shared/shards/envelope.ts';
import { createMeshNode } from '../../electron/core/mesh/node.ts';
import { openConversation } from '../../electron/core/mesh/rpc.ts';
import { usableAddresses } from '../../electron/core/mesh/addresses.ts';
import { deliver, sayHello } from '../../electron/core/recovery/custodian-protocol.ts';
import type { Lan } from './recovery-lan-hosts.ts';

function isLoopbackCode(code: string): boolean {
  return decodeRecoveryCode(code).addresses.every((a) => a.startsWith('/ip4/127.'));
}

async function startNode(loopback: boolean, keys = generateIdentity()) {
  const node = await createMeshNode({
    signSeed: keys.signSeed,
    signPublic: keys.signPublic,
    listen: [loopback ? '/ip4/127.0.0.1/tcp/0' : '/ip4/0.0.0.0/tcp/0'],
    gater: {},
    mdns: false,
    loopbackOnly: loopback,
  });
  return { keys, node, addresses: () => usableAddresses(node.getMultiaddrs(), loopback) };
}

async function forge(codeText: string, name: string): Promise<void> {
  const keys = generateIdentity();
  const fakeOwner = generateIdentity();
  const signed = signShardEnvelope(
    {
      splitId: new Uint8Array(16).fill(7),
      owner: fakeOwner.signPublic,
      custodian: keys.signPublic,
      threshold: 3,
      commitment: new Uint8Array(32).fill(9),
      x: 200,
      y: new Uint8Array(32).fill(1),
      created: Date.now(),
    },
    fakeOwner.signSeed,
  );
  signed[signed.length - 1]! ^= 0x01; // tampered: the owner's signature no longer verifies
  const result = await helloAndDeliver(codeText, keys, name, {
    signed,
    manifest: new Uint8Array(0),
    chunks: new Map(),
  });
  console.log(JSON.stringify(result));
}

/** Says hello (running the SAS exchange) and delivers one piece with its backup, as a custodian would. */
async function helloAndDeliver(
  codeText: string,
  keys: ReturnType<typeof generateIdentity>,
  name: string,
  piece: { signed: Uint8Array; manifest: Uint8Array; chunks: Map<string, Uint8Array> },
): Promise<{ have: number; need: number; comparisonCode: string }> {
  const code = decodeRecoveryCode(codeText);
  const { node } = await startNode(isLoopbackCode(codeText), keys);
  try {
    await node.peerStore.merge(peerIdFromString(code.peerId), {
      multiaddrs: code.addresses.map((a) => multiaddr(a)),
    });
    const hello = await openConversation(node, code.peerId, 'recovery', { timeoutMs: 20_000 });
    const comparisonCode = await sayHello(hello, possessionProof(code), name, {
      initiator: keys.signPublic,
      responder: code.signPublic,
    });
    await hello.close();
    const conv = await openConversation(node, code.peerId, 'recovery', { timeoutMs: 20_000 });
    const result = await deliver(conv, {
      q: possessionProof(code),
      shard: sealTo(code.boxPublic, piece.signed, RECOVERY_SHARD_CONTEXT),
      manifest: piece.manifest,
      chunk: (id) => piece.chunks.get(id),
    });
    await conv.close();
    return { have: result.have, need: result.need, comparisonCode };
  } finally {
    await node.stop();
  }
}

async function fakeOwner(codeText: string, ownerName: string, names: string[]): Promise<void> {
  const owner = generateIdentity();
  const senders = names.map(() => generateIdentity());
  const split = await splitKey(names.length, names.length);
  const sealed = createShardEnvelopes(split, owner, senders, Date.now());
  const backup = buildBackup(
    {
      identity: owner,
      displayName: ownerName,
      contacts: [],
      items: [
        {
          id: '00000000-0000-4000-8000-000000000001',
          title: 'Planted',
          secret: 'the attacker wrote this',
          notes: '',
          tags: [],
          attachments: [],
          createdAt: Date.now(),
          updatedAt: Date.now(),
        },
      ],
      heldShards: [],
      settings: {},
    },
    split.key,
    owner,
    1,
  );
  const out = [];
  for (const [i, name] of names.entries()) {
    const opened = openShardEnvelope(sealed[i]!, senders[i]!, owner.signPublic);
    const r = await helloAndDeliver(codeText, senders[i]!, name, {
      signed: opened.signed,
      manifest: backup.manifest,
      chunks: backup.chunks,
    });
    out.push({ name, peerId: peerIdOf(senders[i]!.signPublic), ...r });
  }
  console.log(JSON.stringify(out));
}

async function poison(codeText: string, name: string, realManifestHex: string): Promise<void> {
  const real = verifyManifest(fromHex(realManifestHex), manifestClaimedOwner(fromHex(realManifestHex)));
  const me = generateIdentity();
  const junk = new Map<string, Uint8Array>();
  const chunks = real.chunks.map((ref) => {
    const bytes = new Uint8Array(randomBytes(ref.length));
    junk.set(ref.id, bytes);
    return { ...ref, digest: sha256(bytes) };
  });
  const manifest = signManifest({ ...real, owner: me.signPublic, chunks }, me.signSeed);
  const signed = signShardEnvelope(
    {
      splitId: new Uint8Array(16).fill(3),
      owner: me.signPublic,
      custodian: me.signPublic,
      threshold: 2,
      commitment: new Uint8Array(32).fill(4),
      x: 9,
      y: new Uint8Array(32).fill(5),
      created: Date.now(),
    },
    me.signSeed,
  );
  const r = await helloAndDeliver(codeText, me, name, { signed, manifest, chunks: junk });
  console.log(JSON.stringify({ name, peerId: peerIdOf(me.signPublic), chunks: junk.size, ...r }));
}

async function impostor(codeText: string): Promise<void> {
  const code = decodeRecoveryCode(codeText);
  const { node, addresses } = await startNode(isLoopbackCode(codeText));
  console.log(encodeRecoveryCode({ ...code, addresses: addresses() }));
  await new Promise<void>((resolve) => {
    process.once('SIGTERM', resolve);
    process.stdin.once('end', resolve);
    process.stdin.resume();
  });
  await Promise.race([node.stop(), new Promise((r) => setTimeout(r, 1000))]);
  process.exit(0);
}

function firstLine(child: ReturnType<Lan['spawnPeer']>, what: string): Promise<string> {
  let err = '';
  child.stderr?.setEncoding('utf8').on('data', (c: string) => (err += c));
  return new Promise((resolve, reject) => {
    createInterface({ input: child.stdout! }).once('line', resolve);
    child.once('exit', (c) => reject(new Error(`${what} exited with ${c}: ${err}`)));
  });
}

/** Delivers a tampered piece to the session as custodian `name`; resolves with the session's reply. */
export async function forgedCustodian(
  lan: Lan,
  code: string,
  name: string,
): Promise<{ have: number; need: number }> {
  const child = lan.spawnPeer(import.meta.filename, ['forge', code, name]);
  return JSON.parse(await firstLine(child, 'the forged custodian')) as { have: number; need: number };
}

/** Delivers a fake owner's valid split (one piece per name, each from a fresh peer ID) to the session. */
export async function fakeOwnerPieces(
  lan: Lan,
  code: string,
  ownerName: string,
  names: string[],
): Promise<{ name: string; peerId: string; have: number; need: number; comparisonCode: string }[]> {
  const child = lan.spawnPeer(import.meta.filename, ['fake-owner', code, ownerName, ...names]);
  return JSON.parse(await firstLine(child, 'the fake owner')) as {
    name: string;
    peerId: string;
    have: number;
    need: number;
    comparisonCode: string;
  }[];
}

/** A poisoning "custodian": the real chunk ids with junk bytes, under a manifest it signed itself. */
export async function poisoner(
  lan: Lan,
  code: string,
  name: string,
  realManifest: Uint8Array,
): Promise<{ name: string; peerId: string; chunks: number; comparisonCode: string }> {
  const child = lan.spawnPeer(import.meta.filename, ['poison', code, name, toHex(realManifest)]);
  return JSON.parse(await firstLine(child, 'the poisoner')) as {
    name: string;
    peerId: string;
    chunks: number;
    comparisonCode: string;
  };
}

/** Starts an impostor node (another key) and returns the code rewritten to its addresses. */
export async function impostorCode(lan: Lan, code: string): Promise<{ code: string; stop(): Promise<void> }> {
  const child = lan.spawnPeer(import.meta.filename, ['impostor', code]);
  const rewritten = await firstLine(child, 'the impostor');
  return {
    code: rewritten,
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGKILL');
      await exited;
    },
  };
}

if (import.meta.main) {
  const [mode, code, name, ...rest] = process.argv.slice(2);
  if (mode === 'forge') await forge(code!, name ?? 'Mallory');
  else if (mode === 'poison') await poison(code!, name!, rest[0]!);
  else if (mode === 'fake-owner') await fakeOwner(code!, name!, rest);
  else if (mode === 'impostor') await impostor(code!);
  else throw new Error(`unknown mode ${String(mode)}`);
}
