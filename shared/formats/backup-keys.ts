/**
 * Keys derived from the backup key K (HKDF-SHA256, empty salt, info = label):
 *   chunkKey  = HKDF(K, "tessera/backup/chunk-key/v1", 32)    XChaCha20-Poly1305 key for chunks
 *   sivKey    = HKDF(K, "tessera/backup/chunk-siv/v2", 32)    HMAC-SHA256 key for chunk ids and nonces (chunk format 2)
 *   idKey     = HKDF(K, "tessera/backup/chunk-id/v1", 32)     chunk format 1 (opened, no longer written): ids
 *   nonceKey  = HKDF(K, "tessera/backup/chunk-nonce/v1", 32)  chunk format 1: synthetic nonces
 *   keyId     = HKDF(K, "tessera/backup/key-id/v1", 16)       public: says which K a manifest needs
 *   gear      = HKDF(K, "tessera/backup/gear/v1", 1024)       chunker gear table (see chunker.ts)
 */
import { InvalidArgumentError } from '../crypto/errors.ts';
import { deriveKey } from '../crypto/kdf.ts';
import { gearTable } from './chunker.ts';

export interface BackupKeys {
  chunkKey: Uint8Array;
  sivKey: Uint8Array;
  idKey: Uint8Array;
  nonceKey: Uint8Array;
  keyId: Uint8Array;
  gear: Uint32Array;
}

export function backupKeyId(backupKey: Uint8Array): Uint8Array {
  return deriveKey(backupKey, 'tessera/backup/key-id/v1', 16);
}

export function deriveBackupKeys(backupKey: Uint8Array): BackupKeys {
  if (backupKey.length !== 32) throw new InvalidArgumentError('The backup key must be 32 bytes.');
  return {
    chunkKey: deriveKey(backupKey, 'tessera/backup/chunk-key/v1'),
    sivKey: deriveKey(backupKey, 'tessera/backup/chunk-siv/v2'),
    idKey: deriveKey(backupKey, 'tessera/backup/chunk-id/v1'),
    nonceKey: deriveKey(backupKey, 'tessera/backup/chunk-nonce/v1'),
    keyId: backupKeyId(backupKey),
    gear: gearTable(backupKey),
  };
}
