import type { Migration } from './migration.ts';

/**
 * Names people can tell apart, and the names of friends who were removed (docs/STORAGE.md; PROTOCOL §8.4, §9.2).
 *
 * - `friends.nickname`: what this person calls a friend on this device (never sent to anyone); shown everywhere in
 *   place of the name the friend chose, which stays in `friends.name`.
 * - `former_friends`: a friend who was removed keeps their name here (as this person called them), so the backup
 *   status never falls back to a peer ID for a former custodian. `ended_at` is when they were removed; the
 *   connection gate lets this side reach them (at `addresses`) only while `backup_custodians` still asks them to delete a piece.
 */
export const migration009FriendNames: Migration = {
  version: 9,
  name: 'friend-names',
  up(db) {
    db.exec(`
      ALTER TABLE friends ADD COLUMN nickname TEXT;

      CREATE TABLE former_friends (
        peer_id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        addresses TEXT NOT NULL,
        ended_at INTEGER NOT NULL
      ) STRICT;
    `);
  },
};
