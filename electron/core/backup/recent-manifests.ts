/**
 * Recent signed manifests by SHA-256 (hex), so an update can be sent as edits to the one a custodian holds (its
 * receipt names it; PROTOCOL §9.2, `offer-delta`). In memory only: after a restart the first update to each
 * custodian goes whole.
 */
import { encodeSignedManifest, manifestSignature, verifyManifest } from '../../../shared/formats/manifest.ts';
import { diffManifest, manifestFromDelta } from '../../../shared/formats/manifest-delta.ts';
import { equalBytes, toHex } from '../../../shared/crypto/bytes.ts';
import { encodeBackupMessage } from '../../../shared/protocol/backup.ts';
import type { BackupMessage } from '../../../shared/protocol/backup.ts';
import { nativeEd25519, nativeSha256 } from '../crypto-native/native-backup-crypto.ts';

/** How many manifests are kept: custodians a few versions behind still get edits. */
const KEPT = 4;

export type OfferDelta = Extract<BackupMessage, { t: 'offer-delta' }>;

export class RecentManifests {
  private readonly byHash = new Map<string, Uint8Array>();

  remember(manifest: Uint8Array): void {
    const id = toHex(nativeSha256(manifest));
    this.byHash.delete(id);
    this.byHash.set(id, manifest);
    while (this.byHash.size > KEPT) this.byHash.delete(this.byHash.keys().next().value!);
  }

  /** SHA-256 (hex) of the manifests kept: what an update can be sent as edits to. */
  hashes(): ReadonlySet<string> {
    return new Set(this.byHash.keys());
  }

  /**
   * The update from the manifest `baseHash` names to `manifest`, as edits, when we still have that manifest, it is
   * of the same key and older, and the edits are smaller; null to send the manifest whole. Checked by rebuilding the
   * exact bytes, as the custodian will.
   */
  delta(
    split: Uint8Array,
    baseHash: Uint8Array,
    manifest: Uint8Array,
    ownerKey: Uint8Array,
  ): OfferDelta | null {
    const baseBytes = this.byHash.get(toHex(baseHash));
    if (!baseBytes) return null;
    const base = verifyManifest(baseBytes, ownerKey, nativeEd25519);
    const next = verifyManifest(manifest, ownerKey, nativeEd25519);
    if (!equalBytes(base.keyId, next.keyId) || next.version <= base.version) return null;
    const edits = diffManifest(base.chunks, next.chunks);
    const sig = manifestSignature(manifest);
    if (
      !equalBytes(
        encodeSignedManifest(manifestFromDelta(base, edits, next.version, next.size), sig),
        manifest,
      )
    )
      return null;
    const delta: OfferDelta = {
      t: 'offer-delta',
      split,
      base: baseHash,
      version: next.version,
      size: next.size,
      sig,
      edits,
    };
    return encodeBackupMessage(delta).length < manifest.length ? delta : null;
  }

  clear(): void {
    this.byHash.clear();
  }
}
