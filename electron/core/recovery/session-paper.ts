/**
 * Paper pieces typed or scanned into a recovery session (PROTOCOL §11.8): read and checked at once (a mistyped word
 * is named before anything is kept), kept sealed to the session's box key as friends' pieces are (a restart loses
 * nothing; the words never sit in the clear), and counted only once the person confirmed the piece is theirs.
 */
import { toHex, utf8 } from '../../../shared/crypto/bytes.ts';
import { openSealed, sealTo } from '../../../shared/crypto/box.ts';
import type { IdentityKeys } from '../../../shared/crypto/identity.ts';
import { TesseraError } from '../../../shared/errors.ts';
import { decodePaperPiece } from '../../../shared/paper/paper-piece.ts';
import type { PaperPiece } from '../../../shared/paper/paper-piece.ts';
import type { Store } from '../store/store.ts';
import { prepared } from '../store/statements.ts';

/** Sealed-box context of a paper piece at rest in the session (PROTOCOL §3, §11.8). */
export const RECOVERY_PAPER_CONTEXT = 'tessera/recovery-paper/v1';
/** More paper pieces than shares a split can have is a mistake, not a recovery. */
export const MAX_PAPER_PIECES = 16;

export interface PaperRow {
  id: string;
  sealed: Uint8Array;
  addedAt: number;
  confirmedAt: number | null;
}

export interface OpenedPaper {
  id: string;
  addedAt: number;
  confirmed: boolean;
  piece: PaperPiece | null;
  problem: string | null;
}

/** The id a piece is known by in the session: its number and the start of its split id (nothing secret). */
export function paperIdOf(piece: PaperPiece): string {
  return `paper-${piece.x}-${toHex(piece.splitId).slice(0, 8)}`;
}

export class RecoveryPaperStore {
  private readonly store: Store;

  constructor(store: Store) {
    this.store = store;
  }

  rows(): PaperRow[] {
    return (
      prepared(this.store.db, 'SELECT * FROM recovery_paper ORDER BY added_at, id').all() as {
        id: string;
        sealed: Buffer;
        added_at: number;
        confirmed_at: number | null;
      }[]
    ).map((r) => ({
      id: r.id,
      sealed: new Uint8Array(r.sealed),
      addedAt: r.added_at,
      confirmedAt: r.confirmed_at,
    }));
  }

  /**
   * Reads the words (throws PaperPieceError naming a wrong word) and keeps the piece, unconfirmed; the same page
   * typed again replaces the earlier entry (and undoes its confirmation: the person looks at it anew).
   */
  add(words: string, boxPublic: Uint8Array, now: number): string {
    const piece = decodePaperPiece(words);
    const id = paperIdOf(piece);
    const sealed = sealTo(boxPublic, utf8(words.trim()), RECOVERY_PAPER_CONTEXT);
    const db = this.store.db;
    this.store.transaction(() => {
      const n = (
        prepared(db, 'SELECT count(*) AS n FROM recovery_paper WHERE id != ?').get(id) as { n: number }
      ).n;
      if (n >= MAX_PAPER_PIECES)
        throw new TesseraError(
          'CONFLICT',
          `This recovery already has ${MAX_PAPER_PIECES} paper pieces: remove the ones that are not yours first.`,
        );
      prepared(
        db,
        `INSERT INTO recovery_paper (id, sealed, added_at) VALUES (?, ?, ?)
           ON CONFLICT (id) DO UPDATE SET sealed = excluded.sealed, added_at = excluded.added_at, confirmed_at = NULL`,
      ).run(id, sealed, now);
    });
    return id;
  }

  /** The person's verdict: it is their page (it counts), or it is not (it is removed). False: no such piece. */
  judge(id: string, match: boolean, now: number): boolean {
    const db = this.store.db;
    if (!match) return prepared(db, 'DELETE FROM recovery_paper WHERE id = ?').run(id).changes > 0;
    return prepared(db, 'UPDATE recovery_paper SET confirmed_at = ? WHERE id = ?').run(now, id).changes > 0;
  }
}

/** Opens every paper piece with the session's box key (after the passphrase). */
export function openPaper(
  rows: readonly PaperRow[],
  keys: Pick<IdentityKeys, 'boxSecret' | 'boxPublic'>,
): OpenedPaper[] {
  return rows.map((row) => {
    const base = { id: row.id, addedAt: row.addedAt, confirmed: row.confirmedAt !== null };
    try {
      const words = new TextDecoder().decode(
        openSealed(keys.boxSecret, keys.boxPublic, row.sealed, RECOVERY_PAPER_CONTEXT, 'this paper piece'),
      );
      return { ...base, piece: decodePaperPiece(words), problem: null };
    } catch (err) {
      return { ...base, piece: null, problem: err instanceof TesseraError ? err.message : 'unreadable' };
    }
  });
}
