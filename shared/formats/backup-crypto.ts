/**
 * The primitives the backup format runs per byte (HMAC-SHA256 for chunk ids, which are also the chunks' nonces,
 * SHA-256 for manifest digests, XChaCha20-Poly1305 for chunks, ChaCha20 for opening chunks of format 3, Ed25519 for
 * signing the manifest, which lists every chunk), behind one small interface so a platform can supply faster but
 * byte-identical implementations (electron/core/crypto-native uses node:crypto). `shared/` stays pure: the default is
 * the @noble implementation, and every function that takes a provider falls back to it.
 *
 * A provider MUST be byte-identical to `pureBackupCrypto` (tests/unit/perf checks the native one against it and
 * against tests/vectors) and `aeadOpen` MUST throw DecryptionError for every failure.
 */
import { aeadOpen, aeadSeal } from '../crypto/aead.ts';
import { streamXor } from '../crypto/stream.ts';
import { hmacSha256, sha256 } from '../crypto/kdf.ts';
import { nobleEd25519, type Ed25519 } from '../crypto/sign.ts';

export interface BackupCrypto {
  /** Short label for logs and benchmarks. */
  readonly name: string;
  hmacSha256(key: Uint8Array, message: Uint8Array): Uint8Array;
  sha256(message: Uint8Array): Uint8Array;
  /**
   * XChaCha20-Poly1305 (draft-irtf-cfrg-xchacha-03), for chunks of format 2: ciphertext || 16-byte tag after
   * `headroom` (default 0) bytes left for the caller's header, in a new zeroed array or in `into` (exactly headroom +
   * plaintext + 16 bytes), which is returned. Throws InvalidArgumentError for a key not of 32 bytes or a nonce not
   * of 24.
   */
  aeadSeal(
    key: Uint8Array,
    nonce: Uint8Array,
    plaintext: Uint8Array,
    aad: Uint8Array,
    headroom?: number,
    into?: Uint8Array,
  ): Uint8Array;
  /**
   * ChaCha20 (RFC 8439, 12-byte nonce, counter 0), for opening chunks of format 3: `input` XOR the key stream after
   * `headroom` (default 0) bytes left for the caller's header, in a new zeroed array or in `into` (exactly headroom +
   * input bytes), which is returned. Throws InvalidArgumentError for a key not of 32 bytes or a nonce not of 12.
   */
  streamXor(
    key: Uint8Array,
    nonce: Uint8Array,
    input: Uint8Array,
    headroom?: number,
    into?: Uint8Array,
  ): Uint8Array;
  /** XChaCha20-Poly1305, for chunks of formats 1 and 2. */
  aeadOpen(
    key: Uint8Array,
    nonce: Uint8Array,
    ciphertext: Uint8Array,
    aad: Uint8Array,
    what: string,
  ): Uint8Array;
  /** Signs the owner's own manifest and checks that fresh signature; manifests from others use the pure one. */
  readonly ed25519: Ed25519;
}

export const pureBackupCrypto: BackupCrypto = {
  name: 'pure (@noble)',
  hmacSha256,
  sha256: (message) => sha256(message),
  aeadSeal,
  streamXor,
  aeadOpen,
  ed25519: nobleEd25519,
};
