/** Store and forward: parcel format (sealed to the recipient, signed by the author), messages, carrier quotas. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { multiaddr } from '@multiformats/multiaddr';
import { generateIdentity, peerIdOf } from '../../../shared/crypto/identity.ts';
import {
  CARRIER_MAX_PARCELS_PER_PAIR,
  decodeBackupBundle,
  decodeForwardMessage,
  encodeBackupBundle,
  encodeForwardMessage,
  openParcel,
  readParcel,
  sealParcel,
} from '../../../shared/protocol/forward.ts';
import { ForwardStore } from '../../../electron/core/mesh/forwarding/forward-store.ts';
import { migration005Forwarding } from '../../../electron/core/store/migrations/005_forwarding.ts';
import { advertisedAddresses, friendAddresses } from '../../../electron/core/mesh/reachability.ts';
import { counterRandom } from '../shared/helpers.ts';

const author = generateIdentity(counterRandom(31));
const recipient = generateIdentity(counterRandom(32));
const carrier = generateIdentity(counterRandom(33));

function parcel(payload = new Uint8Array([1, 2, 3])): Uint8Array {
  return sealParcel(
    {
      id: new Uint8Array(16).fill(7),
      kind: 'backup',
      from: author.signPublic,
      to: recipient.signPublic,
      created: 1,
      expires: 2_000_000_000_000,
    },
    payload,
    recipient.boxPublic,
    author.signSeed,
  );
}

test('a parcel opens only for its recipient, and the carrier sees only the header', () => {
  const bytes = parcel(new Uint8Array([9, 8, 7]));
  const p = readParcel(bytes);
  assert.equal(peerIdOf(p.from), peerIdOf(author.signPublic));
  assert.equal(peerIdOf(p.to), peerIdOf(recipient.signPublic));
  assert.deepEqual(openParcel(p, recipient.boxSecret, recipient.boxPublic), new Uint8Array([9, 8, 7]));
  assert.throws(() => openParcel(p, carrier.boxSecret, carrier.boxPublic));
});

test('any flipped byte of a parcel is refused (signature or format)', () => {
  const bytes = parcel();
  for (let i = 0; i < bytes.length; i += 7) {
    const bad = Uint8Array.from(bytes);
    bad[i]! ^= 0x01;
    assert.throws(() => readParcel(bad), `byte ${i}`);
  }
});

test('messages and bundles round-trip; unknown fields are refused', () => {
  const bytes = parcel();
  for (const m of [
    { t: 'put', parcel: bytes },
    { t: 'ok' },
    { t: 'deliver', parcel: bytes },
    { t: 'accepted', reply: null },
    { t: 'accepted', reply: bytes },
    { t: 'refused', reason: 'no' },
  ] as const)
    assert.deepEqual(decodeForwardMessage(encodeForwardMessage(m)), m);
  const bundle = {
    split: new Uint8Array(16).fill(1),
    sealed: null,
    manifest: new Uint8Array([5]),
    chunks: [{ id: new Uint8Array(32).fill(2), data: new Uint8Array([3, 4]) }],
  };
  assert.deepEqual(decodeBackupBundle(encodeBackupBundle(bundle)), bundle);
  assert.throws(() => decodeForwardMessage(new Uint8Array([0xa1, 0x61, 0x78, 0x01])));
});

test('the carrier keeps at most a few parcels per author and recipient, and drops expired ones', () => {
  const db = new Database(':memory:');
  migration005Forwarding.up(db);
  const store = new ForwardStore(db);
  const base = { author: 'A', recipient: 'B', kind: 'backup' as const, size: 10, parcel: new Uint8Array(10) };
  for (let i = 0; i < CARRIER_MAX_PARCELS_PER_PAIR + 2; i++)
    assert.equal(store.carry({ ...base, id: new Uint8Array(16).fill(i), expiresAt: 1_000 }, i), null);
  assert.equal(store.parcelsFor('B', 100).length, CARRIER_MAX_PARCELS_PER_PAIR);
  assert.equal(
    store.carry({ ...base, id: new Uint8Array(16).fill(99), size: 1e9, expiresAt: 1_000 }, 200) !== null,
    true,
  );
  store.prune(1_000);
  assert.equal(store.parcelsFor('B', 0).length, 0);
});

test('friends keep relay addresses without our own ID; loopback relays are dropped beyond tests', () => {
  const relay = '12D3KooWF7VDnMeptF4rGe7WePXsm7QM7Qt8HPDDcmCttfVZDg6p';
  const self = peerIdOf(author.signPublic);
  const addrs = [
    multiaddr('/ip4/127.0.0.1/tcp/1'),
    multiaddr('/ip4/192.168.1.2/tcp/1'),
    multiaddr(`/ip4/10.0.0.1/tcp/2/p2p/${relay}/p2p-circuit/p2p/${self}`),
    multiaddr(`/ip4/127.0.0.1/tcp/2/p2p/${relay}/p2p-circuit/p2p/${self}`),
  ];
  assert.deepEqual(friendAddresses(addrs, false), [
    '/ip4/192.168.1.2/tcp/1',
    `/ip4/10.0.0.1/tcp/2/p2p/${relay}/p2p-circuit`,
  ]);
  assert.deepEqual(advertisedAddresses(addrs, false), friendAddresses(addrs, false));
});
