/**
 * The crypto under the mesh's Noise sessions (PROTOCOL §8.1): libp2p-noise's own default, with one change for large
 * transport messages. Noise_XX_25519_ChaChaPoly_SHA256 encrypts each message with ChaCha20-Poly1305 (RFC 8439) under
 * its cipher state's key k and nonce n (Noise §5.1). The default hands k to createCipheriv as raw bytes, and node:crypto
 * imports a raw key on every call: for a 64 KiB message that import is ~13 µs of a ~50 µs encryption. A cipher state
 * keeps one k for the whole session (libp2p-noise does not rekey), so here k becomes a KeyObject once
 * (key-objects.ts), and each message only sets its nonce. Same cipher, same bytes on the wire: a stock libp2p peer
 * talks to this one unchanged (tests/unit/mesh/noise-crypto.test.ts).
 *
 * Messages under 1,200 bytes keep the default's WebAssembly path (faster there), and so does a node:crypto without
 * ChaCha20-Poly1305 (Electron's BoringSSL, native-chacha.ts), where the default already avoids createCipheriv.
 */
import { createCipheriv, createDecipheriv } from 'node:crypto';
import type { ICryptoInterface } from '@chainsafe/libp2p-noise';
import { defaultCrypto } from '@chainsafe/libp2p-noise/crypto';
import { Uint8ArrayList } from 'uint8arraylist';
import { keyObjectOf } from '../crypto-native/key-objects.ts';
import { NATIVE_CHACHA } from '../crypto-native/native-chacha.ts';

/** Below this the default's WebAssembly ChaCha20-Poly1305 is faster than node:crypto (as libp2p-noise measured). */
const NATIVE_FROM_BYTES = 1200;
const TAG_BYTES = 16;

/** A message as libp2p-noise passes it: one array, or a list of them. */
type Message = Uint8Array | Uint8ArrayList;

/**
 * Output as the default gives it: one array for one array (ciphertext and tag in one copy), a list for a list (no
 * copy of its pieces).
 */
function collect(input: Message, pieces: Buffer[], bytes: number): Message {
  if (!(input instanceof Uint8Array)) return new Uint8ArrayList(...pieces);
  return pieces.length === 1 ? pieces[0]! : Buffer.concat(pieces, bytes);
}

function encrypt(plaintext: Message, nonce: Uint8Array, ad: Uint8Array, k: Uint8Array): Message {
  const cipher = createCipheriv('chacha20-poly1305', keyObjectOf(k), nonce, { authTagLength: TAG_BYTES });
  cipher.setAAD(ad, { plaintextLength: plaintext.byteLength });
  const out: Buffer[] = [];
  for (const piece of plaintext instanceof Uint8Array ? [plaintext] : plaintext)
    out.push(cipher.update(piece));
  const final = cipher.final();
  if (final.byteLength > 0) out.push(final);
  out.push(cipher.getAuthTag());
  return collect(plaintext, out, plaintext.byteLength + TAG_BYTES);
}

function decrypt(ciphertext: Message, nonce: Uint8Array, ad: Uint8Array, k: Uint8Array): Message {
  const n = ciphertext.byteLength - TAG_BYTES;
  const decipher = createDecipheriv('chacha20-poly1305', keyObjectOf(k), nonce, { authTagLength: TAG_BYTES });
  decipher.setAAD(ad, { plaintextLength: n });
  decipher.setAuthTag(ciphertext.subarray(n));
  const out: Buffer[] = [];
  const text = ciphertext instanceof Uint8Array ? [ciphertext.subarray(0, n)] : ciphertext.sublist(0, n);
  for (const piece of text) out.push(decipher.update(piece));
  // final() checks the tag, and throws on a forged or corrupted message before anything is returned.
  const final = decipher.final();
  if (final.byteLength > 0) out.push(final);
  return collect(ciphertext, out, n);
}

/** The crypto for `noise({ crypto })`: the default, with large messages keyed by a KeyObject where node:crypto can. */
export function noiseCrypto(nativeChaCha = NATIVE_CHACHA): ICryptoInterface {
  if (!nativeChaCha) return defaultCrypto;
  return {
    ...defaultCrypto,
    chaCha20Poly1305Encrypt(plaintext, nonce, ad, k) {
      return plaintext.byteLength < NATIVE_FROM_BYTES
        ? defaultCrypto.chaCha20Poly1305Encrypt(plaintext, nonce, ad, k)
        : encrypt(plaintext, nonce, ad, k);
    },
    chaCha20Poly1305Decrypt(ciphertext, nonce, ad, k, dst) {
      return ciphertext.byteLength < NATIVE_FROM_BYTES
        ? defaultCrypto.chaCha20Poly1305Decrypt(ciphertext, nonce, ad, k, dst)
        : decrypt(ciphertext, nonce, ad, k);
    },
  };
}
