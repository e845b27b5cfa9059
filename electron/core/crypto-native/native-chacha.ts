/**
 * Whether this process's node:crypto has ChaCha20-Poly1305 and ChaCha20. Node's OpenSSL has both; Electron's main
 * process links BoringSSL, which offers neither through createCipheriv ("Unknown cipher", electron/electron#24024,
 * still so in Electron 40), and libp2p-noise falls back to its own implementation there for the same reason. Asked
 * by trying, once, rather than by runtime name: what matters is whether the call works.
 */
import { createCipheriv } from 'node:crypto';

function works(make: () => unknown): boolean {
  try {
    make();
    return true;
  } catch {
    return false;
  }
}

export const NATIVE_CHACHA: boolean =
  works(() =>
    createCipheriv('chacha20-poly1305', Buffer.alloc(32), Buffer.alloc(12), { authTagLength: 16 }),
  ) && works(() => createCipheriv('chacha20', Buffer.alloc(32), Buffer.alloc(16)));
