/**
 * Combining and opening (PROTOCOL §11.4): the confirmed pieces of the chosen split are combined (`combineShards`,
 * §4.3) with the one owner they name, and the newest manifest from a confirmed sender that verifies under that owner
 * is opened in memory, falling back to an older copy if one is incomplete. Each chunk is read by the digest the
 * manifest lists, so only bytes matching it are used. Nothing is written: the person decides (`finish`).
 */
import { equalBytes } from '../../../shared/crypto/bytes.ts';
import { signPublicFromPeerId } from '../../../shared/crypto/identity.ts';
import { NotEnoughShardsError } from '../../../shared/crypto/errors.ts';
import { TesseraError } from '../../../shared/errors.ts';
import { openBackup } from '../../../shared/formats/backup.ts';
import { verifyManifest } from '../../../shared/formats/manifest.ts';
import type { Snapshot } from '../../../shared/formats/snapshot.ts';
import { combineShards } from '../../../shared/shards/combine.ts';
import { nativeBackupCrypto } from '../crypto-native/native-backup-crypto.ts';
import type { Assessment } from './assess.ts';
import type { Prepared } from './session-state.ts';
import type { RecoverySessionStore } from './session-store.ts';

/**
 * What came of an attempt: the backup, or the sentence that says why not. `problems` (confirmed senders whose piece
 * combining found bad) is there once combining ran; without it the earlier problems still stand.
 */
export type Opening =
  | { ok: true; prepared: Omit<Prepared, 'basis'>; problems: Map<string, string> }
  | { ok: false; error: string; problems?: Map<string, string> };

/** Combines the confirmed pieces of the assessment's split and opens the newest backup they open. */
export async function combineAndOpen(
  store: RecoverySessionStore,
  a: Assessment & { owner: Uint8Array },
): Promise<Opening> {
  const inSplit = new Set(a.split);
  const pieces = a.pieces.filter((p) => p.signed !== null && p.confirmed && inSplit.has(p.row.sender));
  let combined;
  try {
    combined = await combineShards(
      pieces.map((p) => ({
        from: p.row.sender,
        signed: p.signed!,
        senderSignPublic: signPublicFromPeerId(p.row.sender),
      })),
      {
        owner: a.owner,
        paper: a.paper.flatMap((p) =>
          p.confirmed && p.piece && inSplit.has(p.id) ? [{ from: p.id, ...p.piece }] : [],
        ),
      },
    );
  } catch (err) {
    if (
      err instanceof NotEnoughShardsError ||
      (err instanceof TesseraError && err.code === 'VERIFICATION_FAILED')
    )
      return { ok: false, error: err.message };
    throw err;
  }
  const problems = new Map(
    combined.problems.filter((p) => combined.badCustodians.includes(p.from)).map((p) => [p.from, p.reason]),
  );
  const confirmed = new Set(a.pieces.filter((p) => p.confirmed).map((p) => p.row.sender));
  const paperIds = new Set(a.paper.map((p) => p.id));
  let opened: { snapshot: Snapshot } | { error: string };
  try {
    opened = await openNewestBackup(store, combined.key, combined.owner, confirmed);
  } finally {
    combined.key.fill(0);
  }
  if ('error' in opened) return { ok: false, error: opened.error, problems };
  if (!equalBytes(opened.snapshot.identity.signPublic, combined.owner))
    return {
      ok: false,
      error:
        'The backup these pieces open belongs to someone else than the pieces say. Nothing was restored; ask your friends to approve again.',
      problems,
    };
  return {
    ok: true,
    prepared: {
      snapshot: opened.snapshot,
      owner: combined.owner,
      delivered: combined.goodCustodians.filter((from) => !paperIds.has(from)),
      threshold: combined.threshold,
    },
    problems,
  };
}

/**
 * The newest manifest, from a confirmed sender, that verifies under the owner, whose chunks all arrived (each
 * checked against its digest) and that opens under K.
 */
async function openNewestBackup(
  store: RecoverySessionStore,
  key: Uint8Array,
  owner: Uint8Array,
  confirmed: ReadonlySet<string>,
): Promise<{ snapshot: Snapshot } | { error: string }> {
  const names = new Map(store.senders().map((s) => [s.peerId, s.name]));
  const candidates = store
    .pieces()
    .filter((r) => confirmed.has(r.sender) && r.manifest.length > 0)
    .flatMap((r) => {
      try {
        return [{ row: r, manifest: verifyManifest(r.manifest, owner) }];
      } catch {
        return [];
      }
    })
    .sort((x, y) => y.manifest.version - x.manifest.version);
  const failures: string[] = [];
  for (const c of candidates) {
    const digests = new Map(c.manifest.chunks.map((ref) => [ref.id, ref.digest]));
    try {
      const snapshot = await openBackup(
        c.row.manifest,
        (id) => {
          const d = digests.get(id);
          return d ? store.chunk(d) : undefined;
        },
        key,
        owner,
        nativeBackupCrypto,
      );
      return { snapshot };
    } catch (err) {
      failures.push(
        `${names.get(c.row.sender) ?? c.row.sender}'s copy (version ${c.manifest.version}): ${err instanceof Error ? err.message : String(err)}`,
      );
    }
  }
  return {
    error:
      candidates.length === 0
        ? 'The pieces are complete, but no friend you confirmed has sent the backup itself yet: ask another friend to approve.'
        : `The backup could not be opened from any copy received (${failures.join('; ')}). Ask another friend to approve.`,
  };
}
