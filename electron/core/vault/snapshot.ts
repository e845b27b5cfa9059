import type { FullItemData } from './items/types.ts';
import type { VaultSettings } from './settings.ts';

export const SNAPSHOT_DATA_FORMAT = 1;

/**
 * Everything a backup must restore, in plain in-memory form (the backup service encodes, encrypts and splits it).
 * Other services add their own fields (contacts, held shards) when they assemble the snapshot.
 */
export interface SnapshotData {
  format: typeof SNAPSHOT_DATA_FORMAT;
  identity: {
    name: string;
    peerId: string;
    fingerprint: string;
    signSeed: Uint8Array;
    signPublic: Uint8Array;
    boxSecret: Uint8Array;
    boxPublic: Uint8Array;
    boxSignature: Uint8Array;
  };
  items: FullItemData[];
  settings: VaultSettings;
}
