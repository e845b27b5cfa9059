/**
 * Manifest deltas: an update names the custodian's held manifest (by SHA-256) and sends only the edits that turn
 * its chunk list into the new one, plus the new version, size and signature. The custodian rebuilds the new body
 * (canonical CBOR is deterministic, so the bytes are exactly the owner's), re-encodes the signed manifest and
 * verifies it as if it had been sent whole. For a 10 MiB vault the full manifest is ~90 KiB (1,200 entries of
 * 72 bytes); a one-item change edits two or three entries.
 *
 *   edit  = [ at: uint (index in the base list), del: uint, ins: [ [id: bytes32, len: uint, digest: bytes32] … ] ]
 *   edits are in increasing `at`, non-overlapping (at ≥ previous at + previous del); entries between edits are kept.
 */
import { fromHex } from '../crypto/bytes.ts';
import { MalformedDataError } from '../crypto/errors.ts';
import { MAX_MANIFEST_CHUNKS, readChunkRef } from './manifest.ts';
import type { BackupManifest, ChunkRef } from './manifest.ts';

export interface ManifestEdit {
  at: number;
  del: number;
  ins: ChunkRef[];
}

/** Edits turning `base.chunks` into `next.chunks` (greedy resynchronisation on chunk ids; always exact). */
export function diffManifest(base: readonly ChunkRef[], next: readonly ChunkRef[]): ManifestEdit[] {
  const positions = new Map<string, number[]>();
  base.forEach((c, i) => {
    const list = positions.get(c.id);
    if (list) list.push(i);
    else positions.set(c.id, [i]);
  });
  const nextAt = (id: string, from: number): number => {
    const list = positions.get(id);
    if (!list) return -1;
    for (const p of list) if (p >= from) return p;
    return -1;
  };
  const edits: ManifestEdit[] = [];
  let i = 0;
  let j = 0;
  while (j < next.length) {
    if (i < base.length && base[i]!.id === next[j]!.id) {
      i++;
      j++;
      continue;
    }
    // Find the next new entry that reappears in the base at or after i.
    let j2 = j;
    let i2 = -1;
    for (; j2 < next.length; j2++) {
      i2 = nextAt(next[j2]!.id, i);
      if (i2 >= 0) break;
    }
    if (i2 < 0) i2 = base.length;
    edits.push({ at: i, del: i2 - i, ins: next.slice(j, j2) });
    i = i2;
    j = j2;
  }
  if (i < base.length) edits.push({ at: i, del: base.length - i, ins: [] });
  return edits;
}

/** Applies edits to a base list; throws MalformedDataError for edits out of order or out of range. */
export function applyManifestEdits(base: readonly ChunkRef[], edits: readonly ManifestEdit[]): ChunkRef[] {
  const what = 'Manifest delta';
  const out: ChunkRef[] = [];
  let i = 0;
  for (const e of edits) {
    if (!Number.isSafeInteger(e.at) || !Number.isSafeInteger(e.del) || e.at < i || e.del < 0)
      throw new MalformedDataError(what, 'edits out of order');
    if (e.at + e.del > base.length) throw new MalformedDataError(what, 'edit beyond the base manifest');
    for (; i < e.at; i++) out.push(base[i]!);
    out.push(...e.ins);
    i += e.del;
    if (out.length > MAX_MANIFEST_CHUNKS) throw new MalformedDataError(what, 'too many chunks');
  }
  for (; i < base.length; i++) out.push(base[i]!);
  if (out.length > MAX_MANIFEST_CHUNKS) throw new MalformedDataError(what, 'too many chunks');
  return out;
}

/** The edits as CBOR-ready values (ids as bytes). */
export function editsToCbor(edits: readonly ManifestEdit[]): unknown[] {
  return edits.map((e) => [e.at, e.del, e.ins.map((c) => [fromHex(c.id), c.length, c.digest])]);
}

/** Parses CBOR edits; throws MalformedDataError for any malformed entry. */
export function editsFromCbor(value: unknown): ManifestEdit[] {
  const what = 'Manifest delta';
  if (!Array.isArray(value) || value.length > MAX_MANIFEST_CHUNKS)
    throw new MalformedDataError(what, 'bad edits');
  let total = 0;
  return value.map((edit: unknown): ManifestEdit => {
    if (!Array.isArray(edit) || edit.length !== 3) throw new MalformedDataError(what, 'bad edit');
    const [at, del, ins] = edit as unknown[];
    const uint = (n: unknown) =>
      typeof n === 'number' && Number.isSafeInteger(n) && n >= 0 && n <= MAX_MANIFEST_CHUNKS;
    if (!uint(at) || !uint(del) || !Array.isArray(ins)) throw new MalformedDataError(what, 'bad edit');
    total += ins.length;
    if (total > MAX_MANIFEST_CHUNKS) throw new MalformedDataError(what, 'too many chunks');
    return {
      at: at as number,
      del: del as number,
      ins: ins.map((entry: unknown) => readChunkRef(entry, what)),
    };
  });
}

/**
 * The new manifest (unsigned content) from the held one, the edits and the new version and size, in the held one's
 * body version (an owner sends a delta only when it rebuilds its manifest's exact bytes).
 */
export function manifestFromDelta(
  base: BackupManifest,
  edits: readonly ManifestEdit[],
  version: number,
  size: number,
): BackupManifest {
  return {
    bodyVersion: base.bodyVersion,
    owner: base.owner,
    version,
    keyId: base.keyId,
    size,
    chunks: applyManifestEdits(base.chunks, edits),
  };
}
