/**
 * Backups through a mutual friend (docs/PROTOCOL.md §10.4). When a custodian the owner owes a version to has been out
 * of reach for `forwardAfterMs` (TESSERA_FORWARD_AFTER_MS, default one hour) and another friend is connected, the owner bundles what an
 * `offer` exchange would carry (split, the sealed shard if not yet delivered, the signed manifest, every chunk) into a
 * parcel sealed to the custodian. The custodian verifies and commits it exactly like an offer (consent given,
 * manifest signed by the owner, envelope addressed to it, no older version, chunks match the manifest), and only
 * after COMMIT signs the holding receipt (§9.3), which travels back to the owner through the carrier. The owner
 * checks it like a direct receipt and records the custodian's new version.
 */
import { RefusedError } from '../../../shared/errors.ts';
import { sha256 } from '@noble/hashes/sha2.js';
import { verifyManifest } from '../../../shared/formats/manifest.ts';
import { equalBytes } from '../../../shared/crypto/bytes.ts';
import { signPublicFromPeerId } from '../../../shared/crypto/identity.ts';
import { verifyReceipt } from '../../../shared/protocol/receipts.ts';
import {
  decodeBackupBundle,
  decodeReceiptPayload,
  encodeBackupBundle,
  encodeReceiptPayload,
  MAX_PARCEL_BYTES,
} from '../../../shared/protocol/forward.ts';
import type { BackupContext } from './backup-context.ts';
import type { OwnerBackupService } from './owner-service.ts';
import type { CustodianBackupService } from './custodian-service.ts';
import type { ForwardService } from '../mesh/forwarding/forward-service.ts';
import { owesVersion } from './custodian-standing.ts';

/** Wires backups to forwarding: the custodian's parcel handler, the owner's receipt handler and hand-off timer. */
export function wireBackupForwarding(
  forward: ForwardService,
  ctx: BackupContext,
  owner: OwnerBackupService,
  custodian: CustodianBackupService,
  isConnected: (peerId: string) => boolean,
): () => void {
  forward.onParcel('backup', async (author, payload) => applyBundle(ctx, custodian, author, payload));
  forward.onParcel('receipt', async (author, payload) => {
    acceptReceipt(ctx, owner, forward, author, decodeReceiptPayload(payload));
    return null;
  });
  const outOfReachSince = new Map<string, number>();
  let busy = false;
  const check = async () => {
    if (busy || !ctx.keys()) return;
    busy = true;
    try {
      await handOffDue(ctx, owner, forward, isConnected, outOfReachSince);
    } catch (err) {
      ctx.log(`forward: hand-off failed: ${String(err)}`);
    } finally {
      busy = false;
    }
  };
  const timer = setInterval(() => void check(), Math.max(ctx.config.reconcileMs, 500));
  timer.unref();
  return () => clearInterval(timer);
}

async function handOffDue(
  ctx: BackupContext,
  owner: OwnerBackupService,
  forward: ForwardService,
  isConnected: (peerId: string) => boolean,
  since: Map<string, number>,
): Promise<void> {
  const split = owner.store.activeSplit();
  const current = owner.store.current();
  if (!split || !current.manifest || !current.splitId || !equalBytes(current.splitId, split.splitId)) return;
  const manifestBytes = current.manifest;
  const version = { version: current.version, splitId: current.splitId, hasManifest: true };
  const now = ctx.now();
  const after = ctx.config.forwardAfterMs;
  // The same for every custodian owed this version: worked out once, when the first one is due.
  let bundleParts: { manifestHash: Uint8Array; chunks: { id: Uint8Array; data: Uint8Array }[] } | null = null;
  const parts = () => {
    if (bundleParts) return bundleParts;
    const manifest = verifyManifest(manifestBytes, signPublicOf(ctx));
    const chunks = manifest.chunks.map((c) => {
      const data = owner.store.chunk(c.id);
      if (!data) throw new Error(`chunk ${c.id.slice(0, 12)}… is missing locally`);
      return { id: Uint8Array.from(Buffer.from(c.id, 'hex')), data };
    });
    bundleParts = { manifestHash: sha256(manifestBytes), chunks };
    return bundleParts;
  };
  for (const row of owner.store.custodians(split.splitId)) {
    const owed = row.state === 'accepted' && owesVersion(row, version, split.splitId);
    if (!owed || isConnected(row.peerId)) {
      since.delete(row.peerId);
      continue;
    }
    const first = since.get(row.peerId) ?? now;
    since.set(row.peerId, first);
    if (now - first < after) continue;
    if (forward.store.hasLive(row.peerId, now, current.version)) continue;
    const { manifestHash, chunks } = parts();
    const bundle = encodeBackupBundle({
      split: split.splitId,
      sealed: row.envelopeDelivered ? null : row.sealedEnvelope,
      manifest: current.manifest,
      chunks,
    });
    if (bundle.length > MAX_PARCEL_BYTES - 4096) {
      ctx.log(`forward: version ${current.version} is too large to forward (${bundle.length} bytes)`);
      continue;
    }
    const carrier = await forward.handOff(row.peerId, 'backup', bundle, {
      version: current.version,
      manifestHash,
    });
    if (carrier) {
      ctx.log(`forward: version ${current.version} for ${row.peerId} is with ${carrier}`);
      ctx.events.changed('friends', 'backup');
    }
  }
}

function signPublicOf(ctx: BackupContext): Uint8Array {
  const keys = ctx.keys();
  if (!keys) throw new Error('not unlocked');
  return keys.signPublic;
}

/** Custodian: the same checks and commit as an `offer` exchange (§9.2), from a parcel; answers with the receipt. */
function applyBundle(
  ctx: BackupContext,
  custodian: CustodianBackupService,
  from: string,
  payload: Uint8Array,
): Uint8Array {
  const bundle = decodeBackupBundle(payload);
  const verified = custodian.verifyOffer(from, bundle);
  const deposit = ctx.custodianStore.newDeposit();
  let receipt: Uint8Array;
  try {
    custodian.acceptChunks(verified, deposit, bundle.chunks);
    deposit.persistNow();
    receipt = custodian.commitOffer(verified, deposit);
  } finally {
    deposit.discard(); // nothing is left of a parcel that did not commit
  }
  ctx.log(`forward: committed version ${verified.manifest.version} from ${from} delivered by a friend`);
  return encodeReceiptPayload(receipt);
}

/** Owner: the custodian's holding receipt came back through a carrier; check it like a direct one and record it. */
function acceptReceipt(
  ctx: BackupContext,
  owner: OwnerBackupService,
  forward: ForwardService,
  custodian: string,
  receiptBytes: Uint8Array,
): void {
  const keys = ctx.keys();
  const split = owner.store.activeSplit();
  if (!keys || !split) throw new RefusedError('No active backup.');
  const receipt = verifyReceipt(receiptBytes, signPublicFromPeerId(custodian));
  const handed = forward.store.outbox(custodian).find((o) => o.version === receipt.version);
  const row = owner.store.custodian(split.splitId, custodian);
  if (
    !row ||
    !handed ||
    receipt.kind !== 'holding' ||
    !equalBytes(receipt.owner, keys.signPublic) ||
    !equalBytes(receipt.split, split.splitId) ||
    !equalBytes(receipt.manifest, handed.manifestHash)
  ) {
    throw new RefusedError('A receipt for something I did not send.');
  }
  const now = ctx.now();
  forward.store.acknowledge(custodian, receipt.version, now);
  if ((row.versionHeld ?? 0) > receipt.version && row.envelopeDelivered) return;
  owner.store.updateCustodian(
    split.splitId,
    custodian,
    {
      envelopeDelivered: true,
      versionHeld: receipt.version,
      manifestHeld: receipt.manifest,
      receipt: receiptBytes,
      lastConfirmed: now,
      health: 'ok',
      lastError: null,
    },
    now,
  );
  ctx.log(`forward: ${custodian} confirmed version ${receipt.version} through a friend`);
  ctx.events.changed('backup', 'friends');
}
