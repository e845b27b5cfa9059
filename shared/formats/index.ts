/**
 * Backup format API (see docs/PROTOCOL.md §5).
 *
 * Owner:     buildBackup(snapshot, K, ownerKeys, version, previousManifest?) → { manifest, info, chunks, newChunkIds }
 * Custodian: verifyManifest(bytes, ownerSignPublic) → BackupManifest (accept only if version > held version);
 *            missingChunks(manifest, has) → ids to request; chunkMatchesManifest(ref, bytes) on each arrival.
 * Recovery:  openBackup(manifestBytes, getChunk, K, ownerSignPublic) → Snapshot.
 */
export {
  buildBackup,
  buildBackupFromEncoded,
  openBackup,
  missingChunks,
  MissingChunkError,
  WrongBackupKeyError,
} from './backup.ts';
export type { BuiltBackup, ChunkSource } from './backup.ts';
export { verifyManifest, chunkMatchesManifest, MAX_MANIFEST_BYTES } from './manifest.ts';
export type { BackupManifest, ChunkRef } from './manifest.ts';
export { encodeSnapshot, decodeSnapshot, SNAPSHOT_LIMITS, SNAPSHOT_VERSION } from './snapshot.ts';
export type { Snapshot, Contact, VaultItem, Attachment, HeldShard } from './snapshot.ts';
export { MAX_CHUNK_BYTES } from './chunk-crypto.ts';
export { backupKeyId } from './backup-keys.ts';
export { pureBackupCrypto } from './backup-crypto.ts';
export type { BackupCrypto } from './backup-crypto.ts';
export { encodeCanonical, decodeCanonical } from './cbor.ts';
