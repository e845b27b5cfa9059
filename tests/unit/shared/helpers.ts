/** Test-only helpers shared by the shared/ unit tests. */
import { sha256 } from '@noble/hashes/sha2.js';

/**
 * A deterministic random source: SHA-256(seed || counter) blocks. Same seed, same sequence of calls → same bytes.
 * Used to regenerate test vectors and to make property tests reproducible.
 */
export function counterRandom(seed: number): (n: number) => Uint8Array {
  let counter = 0;
  return (n: number) => {
    const out = new Uint8Array(n);
    let off = 0;
    while (off < n) {
      const block = sha256(new Uint8Array([seed & 0xff, (seed >> 8) & 0xff, ...u32(counter++)]));
      out.set(block.subarray(0, Math.min(32, n - off)), off);
      off += 32;
    }
    return out;
  };
}

function u32(n: number): number[] {
  return [(n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff];
}

/** A copy of `bytes` that starts `offset` bytes into its own buffer (for code with an aligned fast path). */
export function atOffset(bytes: Uint8Array, offset: number): Uint8Array {
  const view = new Uint8Array(bytes.length + offset).subarray(offset);
  view.set(bytes);
  return view;
}

/** fast-check run count: TESSERA_FC_RUNS or a modest default so the normal suite stays fast. */
export function fcRuns(defaultRuns = 200): number {
  const n = Number(process.env.TESSERA_FC_RUNS);
  return Number.isInteger(n) && n > 0 ? n : defaultRuns;
}

import { generateIdentity, peerIdOf } from '../../../shared/crypto/identity.ts';
import type { Snapshot, VaultItem } from '../../../shared/formats/snapshot.ts';

/** A realistic snapshot built from deterministic randomness. */
export function sampleSnapshot(seed: number, itemCount = 20): Snapshot {
  const random = counterRandom(seed);
  const identity = generateIdentity(random);
  const friend = generateIdentity(random);
  const owner = generateIdentity(random);
  const items: VaultItem[] = Array.from({ length: itemCount }, (_, i) => ({
    id: `item-${seed}-${i}`,
    title: `Account ${i}`,
    secret: `pw-${i}-${Array.from(random(12), (b) => b.toString(16)).join('')}`,
    notes: `Notes for item ${i}. `.repeat(1 + (i % 7)),
    tags: i % 2 ? ['work'] : ['home', 'bank'],
    attachments:
      i % 5 === 0 ? [{ name: `file${i}.bin`, mediaType: 'application/octet-stream', data: random(300) }] : [],
    createdAt: 1_700_000_000_000 + i,
    updatedAt: 1_700_000_100_000 + i,
  }));
  return {
    identity,
    displayName: 'Alice',
    contacts: [
      {
        name: 'Bob',
        peerId: peerIdOf(friend.signPublic),
        boxPublic: friend.boxPublic,
        boxSignature: friend.boxSignature,
        addresses: ['/ip4/192.168.1.2/tcp/4001'],
      },
    ],
    items,
    heldShards: [
      {
        ownerPeerId: peerIdOf(owner.signPublic),
        envelope: random(330),
        latestVersion: 3,
        manifest: random(200),
      },
      { ownerPeerId: peerIdOf(friend.signPublic), envelope: random(330), latestVersion: 0 },
    ],
    settings: { theme: 'dark', 'backup.threshold': '2' },
  };
}
