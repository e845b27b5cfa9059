/**
 * Keys derived from the backup key K (HKDF-SHA256, empty salt, info = label):
 *   chunkKey  = HKDF(K, "tessera/backup/chunk-key/v1", 32)    chunk formats 1 and 2 (2 written): XChaCha20-Poly1305 key
 *   sivKey    = HKDF(K, "tessera/backup/chunk-siv/v2", 32)    chunk format 2: HMAC-SHA256 key of ids and nonces
 *   streamKey = HKDF(K, "tessera/backup/chunk-stream/v3", 32) chunk format 3 (opened, no longer written): ChaCha20 key
 *   siv3Key   = HKDF(K, "tessera/backup/chunk-siv/v3", 32)    chunk format 3: HMAC-SHA256 key of ids
 *   idKey     = HKDF(K, "tessera/backup/chunk-id/v1", 32)     chunk format 1 (opened, no longer written): ids
 *   nonceKey  = HKDF(K, "tessera/backup/chunk-nonce/v1", 32)  chunk format 1: synthetic nonces
 *   keyId     = HKDF(K, "tessera/backup/key-id/v1", 16)       public: says which K a manifest needs
 *   gear      = HKDF(K, "tessera/backup/gear/v1", 1024)       chunker gear table (see chunker.ts)
 */
import { InvalidArgumentError } from '../crypto/errors.ts';
import { deriveKey } from '../crypto/kdf.ts';
import { gearTable } from './chunker.ts';

export interface BackupKeys {
  streamKey: Uint8Array;
  siv3Key: Uint8Array;
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
    streamKey: deriveKey(backupKey, 'tessera/backup/chunk-stream/v3'),
    siv3Key: deriveKey(backupKey, 'tessera/backup/chunk-siv/v3'),
    chunkKey: deriveKey(backupKey, 'tessera/backup/chunk-key/v1'),
    sivKey: deriveKey(backupKey, 'tessera/backup/chunk-siv/v2'),
    idKey: deriveKey(backupKey, 'tessera/backup/chunk-id/v1'),
    nonceKey: deriveKey(backupKey, 'tessera/backup/chunk-nonce/v1'),
    keyId: backupKeyId(backupKey),
    gear: gearTable(backupKey),
  };
}

/** Zeroes every secret key of `keys` (keyId is public; the gear table is overwritten too). */
export function wipeBackupKeys(keys: BackupKeys): void {
  for (const secret of [keys.streamKey, keys.siv3Key, keys.chunkKey, keys.sivKey, keys.idKey, keys.nonceKey])
    secret.fill(0);
  keys.gear.fill(0);
}
