import type { Migration } from './migration.ts';

/**
 * Paper pieces (PROTOCOL §4.4).
 *
 * `backup_paper`: the owner's record of each paper piece printed for a split — its number (x) and when it was made —
 * and nothing secret: the words are shown once and never stored. It goes with its split; a retired split's pages
 * are the ones the backup status lists as void.
 *
 * `recovery_paper`: a paper piece typed or scanned into a recovery session (PROTOCOL §11.8), its words sealed to the
 * session's box key (as friends' pieces are), and whether the person confirmed it. Deleted with the session.
 */
export const migration012PaperPieces: Migration = {
  version: 12,
  name: 'paper-pieces',
  up(db) {
    db.exec(`
      CREATE TABLE backup_paper (
        split_id BLOB NOT NULL REFERENCES backup_splits (split_id) ON DELETE CASCADE,
        x INTEGER NOT NULL CHECK (x BETWEEN 1 AND 255),
        created_at INTEGER NOT NULL,
        PRIMARY KEY (split_id, x)
      ) STRICT;
      CREATE TABLE recovery_paper (
        id TEXT PRIMARY KEY,
        sealed BLOB NOT NULL,
        added_at INTEGER NOT NULL,
        confirmed_at INTEGER
      ) STRICT;
    `);
  },
};
