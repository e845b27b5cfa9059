import { migration001Vault } from './001_vault.ts';
import { migration002Friends } from './002_friends.ts';
import { migration003Backup } from './003_backup.ts';
import { migration004Recovery } from './004_recovery.ts';
import { migration005Forwarding } from './005_forwarding.ts';
import { migration006ChunkTables } from './006_chunk_tables.ts';
import { migration007HeldPacks } from './007_held_packs.ts';
import { migration008ConfirmedCodes } from './008_confirmed_codes.ts';
import { migration009FriendNames } from './009_friend_names.ts';
import { migration010ItemHistory } from './010_item_history.ts';
import { migration011RemoteRecovery } from './011_remote_recovery.ts';
import { migration012PaperPieces } from './012_paper_pieces.ts';
import { migration013BackupPacks } from './013_backup_packs.ts';
import type { Migration } from './migration.ts';

export type { Migration } from './migration.ts';

/**
 * Every schema migration, in order. To add one: create `NNN_name.ts` next to this file exporting a `Migration` with
 * the next version number, and append it here. Never edit or reorder a migration that has shipped.
 */
export const MIGRATIONS: readonly Migration[] = [
  migration001Vault,
  migration002Friends,
  migration003Backup,
  migration004Recovery,
  migration005Forwarding,
  migration006ChunkTables,
  migration007HeldPacks,
  migration008ConfirmedCodes,
  migration009FriendNames,
  migration010ItemHistory,
  migration011RemoteRecovery,
  migration012PaperPieces,
  migration013BackupPacks,
];
