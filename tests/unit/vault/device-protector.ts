import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { KeyProtector } from '../../../electron/core/vault/key-protector.ts';

/**
 * A real KeyProtector for tests: AES-256-CTR under a device key held in memory. It implements Tessera's own
 * interface (what the Electron shell implements with safeStorage); it does not imitate Electron.
 */
export function deviceProtector(name: string, deviceKey: Buffer = randomBytes(32)): KeyProtector {
  return {
    name,
    protect(bytes) {
      const iv = randomBytes(16);
      const c = createCipheriv('aes-256-ctr', deviceKey, iv);
      return Buffer.concat([iv, c.update(bytes), c.final()]);
    },
    unprotect(bytes) {
      const d = createDecipheriv('aes-256-ctr', deviceKey, Buffer.from(bytes.subarray(0, 16)));
      return Buffer.concat([d.update(bytes.subarray(16)), d.final()]);
    },
  };
}
