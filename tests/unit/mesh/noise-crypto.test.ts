/**
 * The mesh's Noise crypto (electron/core/mesh/noise-crypto.ts) is libp2p-noise's default with large messages keyed
 * by a cached KeyObject: the same ChaCha20-Poly1305 (RFC 8439), so every message is byte-identical to the default's
 * (random keys, nonces, ADs and messages, as one array or a list), a forged one is refused, a reused key array with
 * new contents gets the new key, and a mesh node using it exchanges megabytes both ways with a stock js-libp2p peer
 * in its own process.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { Uint8ArrayList } from 'uint8arraylist';
import { multiaddr } from '@multiformats/multiaddr';
import { defaultCrypto } from '@chainsafe/libp2p-noise/crypto';
import { noiseCrypto } from '../../../electron/core/mesh/noise-crypto.ts';
import { PeerGate } from '../../../electron/core/mesh/gater.ts';
import { toHex } from '../../../shared/crypto/bytes.ts';
import { ECHO_PROTOCOL, startBarePeer } from '../../helpers/bare-peer.ts';
import { startLoopbackNode } from '../../helpers/loopback-node.ts';

const RUNS = Number(process.env.TESSERA_FC_RUNS ?? 100);
const ours = noiseCrypto(true);
const bytes = (n: number) => fc.uint8Array({ minLength: n, maxLength: n });
/** Below and above the 1,200 bytes where the default switches to node:crypto, up to Noise's largest message. */
const message = fc.oneof(
  fc.uint8Array({ maxLength: 1300 }),
  fc.uint8Array({ minLength: 1200, maxLength: 65519 }),
);
const flat = (b: Uint8Array | Uint8ArrayList) => toHex(b instanceof Uint8Array ? b : b.subarray());
/** The same bytes as a list of up to three pieces, as libp2p-noise passes a yamux frame. */
const asList = (b: Uint8Array, cut1: number, cut2: number) => {
  const [a, c] = [Math.min(cut1, cut2) % (b.length + 1), Math.max(cut1, cut2) % (b.length + 1)];
  return new Uint8ArrayList(
    b.subarray(0, Math.min(a, c)),
    b.subarray(Math.min(a, c), Math.max(a, c)),
    b.subarray(Math.max(a, c)),
  );
};

test('encrypt and decrypt are byte-identical to the default, for arrays and lists', () => {
  fc.assert(
    fc.property(
      bytes(32),
      bytes(12),
      fc.uint8Array({ maxLength: 64 }),
      message,
      fc.nat(),
      fc.nat(),
      (k, nonce, ad, pt, c1, c2) => {
        const expected = flat(defaultCrypto.chaCha20Poly1305Encrypt(pt, nonce, ad, k));
        assert.equal(flat(ours.chaCha20Poly1305Encrypt(pt, nonce, ad, k)), expected);
        const fromList = ours.chaCha20Poly1305Encrypt(asList(pt, c1, c2), nonce, ad, k);
        assert.equal(flat(fromList), expected);
        // In the default's shape: a list in, a list out (its pieces are not copied together).
        assert.equal(fromList instanceof Uint8Array, pt.length < 1200);
        const ct = defaultCrypto.chaCha20Poly1305Encrypt(pt, nonce, ad, k);
        const ctBytes = ct instanceof Uint8Array ? ct : ct.subarray();
        assert.equal(flat(ours.chaCha20Poly1305Decrypt(ctBytes.slice(), nonce, ad, k)), toHex(pt));
        assert.equal(
          flat(ours.chaCha20Poly1305Decrypt(asList(ctBytes.slice(), c1, c2), nonce, ad, k)),
          toHex(pt),
        );
      },
    ),
    { numRuns: RUNS },
  );
});

test('a flipped bit, another AD, another nonce or another key is refused', () => {
  const k = randomBytes(32);
  const nonce = randomBytes(12);
  const ad = randomBytes(32);
  const ct = ours.chaCha20Poly1305Encrypt(randomBytes(40_000), nonce, ad, k) as Uint8Array;
  const flipped = ct.slice();
  flipped[1234]! ^= 1;
  assert.throws(() => ours.chaCha20Poly1305Decrypt(flipped, nonce, ad, k));
  assert.throws(() => ours.chaCha20Poly1305Decrypt(ct.slice(), nonce, randomBytes(32), k));
  assert.throws(() => ours.chaCha20Poly1305Decrypt(ct.slice(), randomBytes(12), ad, k));
  assert.throws(() => ours.chaCha20Poly1305Decrypt(ct.slice(), nonce, ad, randomBytes(32)));
});

test('a key array reused with new contents encrypts under the new key', () => {
  const k = new Uint8Array(32).fill(1);
  const nonce = new Uint8Array(12);
  const pt = randomBytes(5000);
  const first = flat(ours.chaCha20Poly1305Encrypt(pt, nonce, new Uint8Array(0), k));
  k.fill(2);
  const second = flat(ours.chaCha20Poly1305Encrypt(pt, nonce, new Uint8Array(0), k));
  assert.notEqual(second, first);
  assert.equal(second, flat(defaultCrypto.chaCha20Poly1305Encrypt(pt, nonce, new Uint8Array(0), k)));
});

test('without ChaCha in node:crypto (Electron) it is the default itself', () => {
  assert.equal(noiseCrypto(false), defaultCrypto);
});

test('a mesh node exchanges 4 MiB both ways with a stock js-libp2p peer', async (t) => {
  const peer = await startBarePeer({ echo: true });
  t.after(() => peer.child.kill('SIGKILL'));
  const gate = new PeerGate();
  gate.setFriends([peer.peerId]);
  const node = await startLoopbackNode(gate);
  t.after(() => node.stop());
  const stream = await node.dialProtocol(multiaddr(peer.addr), ECHO_PROTOCOL, {
    signal: AbortSignal.timeout(10_000),
  });
  // Writes of many sizes: small ones take the default's path, large ones ours, and the largest span several messages.
  const sizes = [1, 100, 1199, 1200, 1201, 40_000, 65_519, 65_520, 300_000];
  const sent: Uint8Array[] = [];
  let total = 0;
  for (let i = 0; total < 4 * 1024 * 1024; i++) {
    const piece = randomBytes(sizes[i % sizes.length]!);
    sent.push(piece);
    total += piece.length;
  }
  const received = (async () => {
    const list = new Uint8ArrayList();
    for await (const chunk of stream) list.append(chunk.subarray());
    return list.subarray();
  })();
  for (const piece of sent) if (!stream.send(piece)) await stream.onDrain();
  await stream.close();
  const back = await received;
  assert.equal(back.length, total);
  assert.equal(toHex(back), toHex(Buffer.concat(sent)));
});
