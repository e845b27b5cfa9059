/**
 * The node:crypto backup provider is byte-identical to the pure one: XChaCha20-Poly1305 seal (chunk format 2, into a
 * batch's buffer after the header) and open, ChaCha20 (format 3, opened), HMAC-SHA256 and SHA-256 over random keys,
 * nonces, AADs and messages (fast-check), both against the published draft-irtf-cfrg-xchacha-03 and RFC 8439 vectors,
 * every failure a DecryptionError, Ed25519 signatures equal to @noble's, and whole backups built with it reproduce
 * tests/vectors/backup.json and open with either provider, as does the frozen format-3 backup. The variant for a
 * node:crypto without ChaCha (Electron's BoringSSL: @noble's ciphers, the rest native) builds and opens them too.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import {
  nativeBackupCrypto,
  nativeBackupCryptoFor,
} from '../../../electron/core/crypto-native/native-backup-crypto.ts';
import { NATIVE_CHACHA } from '../../../electron/core/crypto-native/native-chacha.ts';
import { pureBackupCrypto } from '../../../shared/formats/backup-crypto.ts';
import { buildBackup, openBackup } from '../../../shared/formats/backup.ts';
import { DecryptionError, InvalidArgumentError } from '../../../shared/crypto/errors.ts';
import { fromHex, toHex } from '../../../shared/crypto/bytes.ts';
import { aeadSeal } from '../../../shared/crypto/aead.ts';
import { deriveBackupKeys } from '../../../shared/formats/backup-keys.ts';
import { openChunk, sealChunk } from '../../../shared/formats/chunk-crypto.ts';
import { ed25519 } from '@noble/curves/ed25519.js';
import { BACKUP_KEY, OWNER, vectorSnapshot } from '../shared/vector-cases.ts';

const RUNS = Number(process.env.TESSERA_FC_RUNS ?? 300);
const native = nativeBackupCrypto;
const pure = pureBackupCrypto;
const bytes = (n: number) => fc.uint8Array({ minLength: n, maxLength: n });
const message = fc.oneof(
  fc.uint8Array({ maxLength: 300 }),
  fc.uint8Array({ minLength: 8000, maxLength: 33000 }),
);

test('ChaCha20: native = pure, and each decrypts the other', () => {
  fc.assert(
    fc.property(bytes(32), bytes(12), message, (key, nonce, pt) => {
      const a = pure.streamXor(key, nonce, pt);
      const b = native.streamXor(key, nonce, pt);
      assert.equal(toHex(b), toHex(a));
      assert.deepEqual(native.streamXor(key, nonce, a), pt);
      assert.deepEqual(pure.streamXor(key, nonce, b), pt);
    }),
    { numRuns: RUNS },
  );
});

test('ChaCha20 with headroom, into a given array: both providers write the same bytes there, after the headroom', () => {
  fc.assert(
    fc.property(bytes(32), bytes(12), message, fc.nat({ max: 40 }), (key, nonce, pt, headroom) => {
      const plain = pure.streamXor(key, nonce, pt);
      for (const provider of [pure, native]) {
        const fresh = provider.streamXor(key, nonce, pt, headroom);
        assert.deepEqual(fresh.subarray(0, headroom), new Uint8Array(headroom));
        assert.equal(toHex(fresh.subarray(headroom)), toHex(plain));
        // A slice of a larger buffer, as the seal workers pass: written in place, nothing outside it touched.
        const batch = new Uint8Array(headroom + plain.length + 10).fill(0xee);
        const into = batch.subarray(5, 5 + headroom + plain.length);
        assert.equal(provider.streamXor(key, nonce, pt, headroom, into), into);
        assert.equal(toHex(into.subarray(headroom)), toHex(plain));
        assert.deepEqual(batch.subarray(0, 5), new Uint8Array(5).fill(0xee));
        assert.deepEqual(batch.subarray(5 + headroom + plain.length), new Uint8Array(5).fill(0xee));
        assert.throws(
          () => provider.streamXor(key, nonce, pt, headroom, new Uint8Array(headroom + plain.length + 1)),
          InvalidArgumentError,
        );
        assert.throws(() => provider.streamXor(key, nonce.subarray(1), pt), InvalidArgumentError);
        assert.throws(() => provider.streamXor(key.subarray(1), nonce, pt), InvalidArgumentError);
      }
    }),
    { numRuns: Math.min(RUNS, 100) },
  );
});

test('ChaCha20: RFC 8439 §2.4.2 vector (its counter starts at 1: block 0 is skipped by a zero prefix)', () => {
  const key = fromHex('000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f');
  const nonce = fromHex('000000000000004a00000000');
  const pt = new TextEncoder().encode(
    "Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it.",
  );
  const input = new Uint8Array(64 + pt.length);
  input.set(pt, 64);
  for (const provider of [pure, native]) {
    const out = provider.streamXor(key, nonce, input);
    assert.equal(
      toHex(out.subarray(64, 64 + 32)),
      '6e2e359a2568f98041ba0728dd0d6981e97e7aec1d4360c20a27afccfd9fae0b',
    );
    assert.equal(toHex(out.subarray(out.length - 10)), 'b40b8eedf2785e42874d');
  }
});

test('XChaCha20-Poly1305 seal: native = pure, with headroom and into a given array', () => {
  fc.assert(
    fc.property(
      bytes(32),
      bytes(24),
      message,
      fc.uint8Array({ maxLength: 100 }),
      fc.nat({ max: 40 }),
      (key, nonce, pt, aad, headroom) => {
        const plain = pure.aeadSeal(key, nonce, pt, aad);
        assert.equal(plain.length, pt.length + 16);
        assert.equal(toHex(native.aeadSeal(key, nonce, pt, aad)), toHex(plain));
        for (const provider of [pure, native]) {
          const fresh = provider.aeadSeal(key, nonce, pt, aad, headroom);
          assert.deepEqual(fresh.subarray(0, headroom), new Uint8Array(headroom));
          assert.equal(toHex(fresh.subarray(headroom)), toHex(plain));
          // A slice of a larger buffer, as the seal workers pass: written in place, nothing outside it touched.
          const batch = new Uint8Array(headroom + plain.length + 10).fill(0xee);
          const into = batch.subarray(5, 5 + headroom + plain.length);
          assert.equal(provider.aeadSeal(key, nonce, pt, aad, headroom, into), into);
          assert.equal(toHex(into.subarray(headroom)), toHex(plain));
          assert.deepEqual(batch.subarray(0, 5), new Uint8Array(5).fill(0xee));
          assert.deepEqual(batch.subarray(5 + headroom + plain.length), new Uint8Array(5).fill(0xee));
          assert.throws(
            () =>
              provider.aeadSeal(key, nonce, pt, aad, headroom, new Uint8Array(headroom + plain.length - 1)),
            InvalidArgumentError,
          );
          assert.throws(() => provider.aeadSeal(key, nonce.subarray(1), pt, aad), InvalidArgumentError);
          assert.throws(() => provider.aeadSeal(key.subarray(1), nonce, pt, aad), InvalidArgumentError);
        }
        assert.deepEqual(native.aeadOpen(key, nonce, plain, aad, 'x'), pt);
      },
    ),
    { numRuns: RUNS },
  );
});

test('chunks sealed with either provider are identical, and each opens the other', () => {
  const keys = deriveBackupKeys(BACKUP_KEY);
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 1, maxLength: 33000 }), (pt) => {
      const a = sealChunk(keys, pt, pure);
      const b = sealChunk(keys, pt, native);
      assert.equal(toHex(b.id), toHex(a.id));
      assert.equal(toHex(b.bytes), toHex(a.bytes));
      assert.deepEqual(openChunk(keys, a.id, a.bytes, native), pt);
      assert.deepEqual(openChunk(keys, b.id, b.bytes, pure), pt);
    }),
    { numRuns: Math.min(RUNS, 100) },
  );
});

test('XChaCha20-Poly1305 open: native opens what the pure AEAD seals', () => {
  fc.assert(
    fc.property(bytes(32), bytes(24), message, fc.uint8Array({ maxLength: 100 }), (key, nonce, pt, aad) => {
      const sealed = aeadSeal(key, nonce, pt, aad);
      assert.deepEqual(native.aeadOpen(key, nonce, sealed, aad, 'x'), pt);
      assert.deepEqual(pure.aeadOpen(key, nonce, sealed, aad, 'x'), pt);
    }),
    { numRuns: RUNS },
  );
});

test('native open refuses a flipped bit, a wrong AAD, a wrong key and short input with DecryptionError', () => {
  fc.assert(
    fc.property(
      bytes(32),
      bytes(24),
      fc.uint8Array({ maxLength: 200 }),
      fc.uint8Array({ maxLength: 40 }),
      fc.nat(),
      (key, nonce, pt, aad, where) => {
        const ct = aeadSeal(key, nonce, pt, aad);
        const flipped = Uint8Array.from(ct);
        const at = where % flipped.length;
        flipped[at] = flipped[at]! ^ 1;
        assert.throws(() => native.aeadOpen(key, nonce, flipped, aad, 'x'), DecryptionError);
        const otherAad = Uint8Array.of(...aad, 0);
        assert.throws(() => native.aeadOpen(key, nonce, ct, otherAad, 'x'), DecryptionError);
        const otherKey = Uint8Array.from(key);
        otherKey[0] = otherKey[0]! ^ 0x80;
        assert.throws(() => native.aeadOpen(otherKey, nonce, ct, aad, 'x'), DecryptionError);
        assert.throws(() => native.aeadOpen(key, nonce, ct.subarray(0, 15), aad, 'x'), DecryptionError);
        assert.throws(() => native.aeadOpen(key, nonce.subarray(1), ct, aad, 'x'), DecryptionError);
      },
    ),
    { numRuns: RUNS },
  );
});

test('XChaCha20-Poly1305: both providers seal and open the draft-irtf-cfrg-xchacha-03 appendix A.3.1 vector', () => {
  const pt = new TextEncoder().encode(
    "Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it.",
  );
  const key = fromHex('808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f');
  const nonce = fromHex('404142434445464748494a4b4c4d4e4f5051525354555657');
  const aad = fromHex('50515253c0c1c2c3c4c5c6c7');
  for (const provider of [pure, native]) {
    const sealed = provider.aeadSeal(key, nonce, pt, aad);
    // The draft's ciphertext, then its tag.
    assert.equal(
      toHex(sealed),
      'bd6d179d3e83d43b9576579493c0e939572a1700252bfaccbed2902c21396cbb731c7f1b0b4aa6440bf3a82f4eda7e39' +
        'ae64c6708c54c216cb96b72e1213b4522f8c9ba40db5d945b11b69b982c1bb9e3f3fac2bc369488f76b2383565d3fff9' +
        '21f9664c97637da9768812f615c68b13b52e' +
        'c0875924c1c7987947deafd8780acf49',
    );
    assert.deepEqual(provider.aeadOpen(key, nonce, sealed, aad, 'x'), pt);
  }
});

test('HMAC-SHA256 and SHA-256: native = pure', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 100 }), message, (key, msg) => {
      assert.equal(toHex(native.hmacSha256(key, msg)), toHex(pure.hmacSha256(key, msg)));
      assert.equal(toHex(native.sha256(msg)), toHex(pure.sha256(msg)));
    }),
    { numRuns: RUNS },
  );
});

test('Ed25519: native signatures = pure ones, and each verifies the other', () => {
  fc.assert(
    fc.property(bytes(32), message, (seed, msg) => {
      const sig = native.ed25519.sign(msg, seed);
      assert.equal(toHex(sig), toHex(pure.ed25519.sign(msg, seed)));
      const signPublic = ed25519.getPublicKey(seed);
      assert.ok(native.ed25519.verify(sig, msg, signPublic));
      assert.ok(pure.ed25519.verify(sig, msg, signPublic));
      if (msg.length > 0) {
        const other = Uint8Array.from(msg);
        other[0]! ^= 1;
        assert.ok(!native.ed25519.verify(sig, other, signPublic));
      }
    }),
    { numRuns: Math.min(RUNS, 100) },
  );
  const seed = new Uint8Array(32).fill(9);
  const sig = native.ed25519.sign(new Uint8Array([1]), seed);
  // Malformed keys and signatures are false, never a throw.
  assert.equal(native.ed25519.verify(sig.subarray(1), new Uint8Array([1]), new Uint8Array(32)), false);
  assert.equal(native.ed25519.verify(sig, new Uint8Array([1]), new Uint8Array(31)), false);
  assert.equal(native.ed25519.verify(sig, new Uint8Array([1]), new Uint8Array(32).fill(0xff)), false);
  assert.throws(() => native.ed25519.sign(new Uint8Array([1]), new Uint8Array(31)), InvalidArgumentError);
});

test('Node (OpenSSL) has ChaCha20-Poly1305 and ChaCha20, so the native provider uses them', () => {
  assert.equal(NATIVE_CHACHA, true);
  assert.equal(native.aeadSeal, nativeBackupCryptoFor(true).aeadSeal);
  assert.notEqual(native.aeadSeal, pure.aeadSeal);
});

// Electron's BoringSSL has no ChaCha in createCipheriv (native-chacha.ts): there the provider takes @noble's ciphers
// and keeps node:crypto for the rest, and must build and open the same backups.
for (const [label, provider] of [
  ['the native provider', native],
  ['the provider for a node:crypto without ChaCha', nativeBackupCryptoFor(false)],
] as const) {
  test(`backups built with ${label} reproduce tests/vectors/backup.json and open with both`, async () => {
    await reproducesVectors(provider);
  });
}

async function reproducesVectors(native: typeof pure): Promise<void> {
  const vectors = JSON.parse(
    readFileSync(join(import.meta.dirname, '..', '..', 'vectors', 'backup.json'), 'utf8'),
  ) as {
    small: { manifest: string; chunks: Record<string, string> };
    large: { manifest: string; newChunkIds: string[] };
  };
  const b1 = buildBackup(vectorSnapshot(3), BACKUP_KEY, OWNER, 1, undefined, native);
  assert.equal(toHex(b1.manifest), vectors.small.manifest);
  assert.deepEqual(Object.fromEntries([...b1.chunks].map(([id, b]) => [id, toHex(b)])), vectors.small.chunks);
  const b2 = buildBackup(vectorSnapshot(400), BACKUP_KEY, OWNER, 2, b1.info, native);
  assert.equal(toHex(b2.manifest), vectors.large.manifest);
  assert.deepEqual(b2.newChunkIds, vectors.large.newChunkIds);
  for (const crypto of [native, pure]) {
    const snap = await openBackup(
      b2.manifest,
      (id) => b2.chunks.get(id),
      BACKUP_KEY,
      OWNER.signPublic,
      crypto,
    );
    assert.equal(snap.items.length, 400);
  }
}

test('the frozen format-3 backup (tests/vectors/backup-format3.json) opens with both native providers too', async () => {
  const v = JSON.parse(
    readFileSync(join(import.meta.dirname, '..', '..', 'vectors', 'backup-format3.json'), 'utf8'),
  ) as { small: { manifest: string; chunks: Record<string, string> } };
  const chunks = new Map(Object.entries(v.small.chunks).map(([id, hex]) => [id, fromHex(hex)]));
  assert.ok([...chunks.values()].every((c) => c[0] === 3));
  for (const provider of [native, nativeBackupCryptoFor(false)]) {
    const snap = await openBackup(
      fromHex(v.small.manifest),
      (id) => chunks.get(id),
      BACKUP_KEY,
      OWNER.signPublic,
      provider,
    );
    assert.deepEqual(snap, vectorSnapshot(3));
  }
});

test('native HMAC: a key buffer reused with new contents gets the new key', () => {
  const key = new Uint8Array(32).fill(1);
  const msg = new Uint8Array([1, 2, 3]);
  const first = native.hmacSha256(key, msg);
  key.fill(2);
  assert.equal(toHex(native.hmacSha256(key, msg)), toHex(pure.hmacSha256(key, msg)));
  assert.notEqual(toHex(native.hmacSha256(key, msg)), toHex(first));
  const long = new Uint8Array(100).fill(7);
  assert.equal(toHex(native.hmacSha256(long, msg)), toHex(pure.hmacSha256(long, msg)));
});
