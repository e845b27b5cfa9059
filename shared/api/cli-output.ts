import { z } from 'zod';
import { ITEM_KINDS } from '../items/kinds.ts';

/**
 * The CLI's `--json` shapes. They are a public interface (scripts depend on them): change only by adding fields.
 * Tests validate every command's output against these schemas.
 */
export const CliError = z.object({ error: z.object({ code: z.string(), message: z.string() }) });

/**
 * "NAME needs to update Tessera" (PROTOCOL §13.3): an optional field, present only when the friend's Tessera is
 * known to be too old for what waits. `waiting`: comparing-codes, holding-for-you, holding-for-them, backup-update,
 * recovery (more may be added).
 */
export const CliNeedsUpdate = z.object({ message: z.string(), waiting: z.array(z.string()) });

export const CliBackupCustodian = z.object({
  name: z.string(),
  state: z.string(),
  versionHeld: z.number().int().nullable(),
  lastConfirmed: z.string().nullable(),
  /** Their piece counts towards restoring the vault now (the rule of shared/backup-summary.ts). */
  counted: z.boolean(),
  /** Present only when their Tessera is too old for your backup's latest version (not counted then). */
  needsUpdate: CliNeedsUpdate.optional(),
});

export const CliBackupStatus = z.object({
  version: z.number().int(),
  threshold: z.number().int(),
  custodians: z.array(CliBackupCustodian),
  /** Why the latest changes are not backed up yet, or null. */
  problem: z.string().nullable(),
  /** What the status means, in the words the Backup screen uses (shared/backup-summary.ts). */
  summary: z.string(),
  /** How long a remote recovery waits before any piece goes (PROTOCOL §11.7); absent for splits made before it. */
  waitingPeriodMs: z.number().int().optional(),
});

export const CliStatus = z.object({
  name: z.string().nullable(),
  peerId: z.string().nullable(),
  fingerprint: z.string().nullable(),
  addresses: z.array(z.string()),
  friends: z.number().int().nonnegative(),
  holdingFor: z.number().int().nonnegative(),
  backup: CliBackupStatus.nullable(),
  state: z.enum(['empty', 'locked', 'unlocked', 'recovering']),
});

export const CliItemSummary = z.object({
  id: z.string(),
  title: z.string(),
  tags: z.array(z.string()),
  updatedAt: z.string(),
  /** Added with item kinds: absent from older output, which means `secret`. */
  kind: z.enum(ITEM_KINDS).optional(),
});

/** `username`, `urls` and `seedWarning` were added with item kinds (shared/items/kinds.ts): optional, as older output has none. */
export const CliItem = CliItemSummary.extend({
  secret: z.string(),
  notes: z.string(),
  username: z.string().optional(),
  urls: z.array(z.string()).optional(),
  /** `item add` of a seed phrase whose BIP-39 checksum does not verify: the warning (it is saved anyway). */
  seedWarning: z.string().optional(),
});
/**
 * `tessera item show`: the item with its kind's fields, a one-time code item's current code and the seconds it stays
 * valid (`code`), a seed phrase's check (`seedWarning` when it does not verify).
 */
export const CliItemShow = CliItem.extend({
  code: z.object({ code: z.string(), remaining: z.number().int(), period: z.number().int() }).optional(),
});
export const CliItemList = z.array(CliItemSummary);
export const CliDeleted = z.object({ deleted: z.string() });
/** `tessera trash`: the items in the trash, with when each was deleted and when it goes for good (ISO times). */
export const CliTrashList = z.array(CliItemSummary.extend({ deletedAt: z.string(), purgeAt: z.string() }));

export const CliInvite = z.object({ code: z.string(), expiresAt: z.string() });

export const CliPair = z.object({
  state: z.enum(['waiting', 'paired']),
  name: z.string(),
  peerId: z.string(),
  comparisonCode: z.string(),
});

export const CliFriend = z.object({
  name: z.string(),
  peerId: z.string(),
  fingerprint: z.string(),
  comparisonCode: z.string(),
  addresses: z.array(z.string()),
  lastSeen: z.string().nullable(),
  reachable: z.boolean(),
  /** direct, relayed, via-friend (a parcel through a mutual friend) or unreachable. */
  path: z.enum(['direct', 'relayed', 'via-friend', 'unreachable']),
  /** You confirmed that both screens showed `comparisonCode` (only verified friends can hold a piece). */
  verified: z.boolean(),
  /** The nickname you gave them on this device (then `name` is it), or null. */
  nickname: z.string().nullable(),
  /** The name they chose for themselves. */
  chosenName: z.string(),
  /** Present only when their Tessera is known to be too old for what waits, e.g. comparing codes. */
  needsUpdate: CliNeedsUpdate.optional(),
});
export const CliFriends = z.array(CliFriend);

/** `tessera friends compare NAME` / `tessera friends confirm NAME`: the code and whether it is confirmed. */
export const CliFriendComparison = z.object({
  name: z.string(),
  peerId: z.string(),
  comparisonCode: z.string(),
  verified: z.boolean(),
});

/** `tessera friends pending`: pairings waiting for the other person to accept your invite. */
export const CliPendingFriends = z.array(
  z.object({
    name: z.string(),
    peerId: z.string(),
    comparisonCode: z.string(),
    since: z.string(),
    giveUpAt: z.string(),
  }),
);

export const CliRequest = z.object({
  id: z.string(),
  kind: z.enum(['holding', 'recovery']),
  from: z.string(),
  detail: z.string(),
});
export const CliRequests = z.array(CliRequest);
export const CliAnswered = z.object({ id: z.string(), accepted: z.boolean() });

export const CliHeld = z.array(z.object({ owner: z.string(), version: z.number().int(), since: z.string() }));

/** `tessera recover start` (PROTOCOL §11): the code the new device shows (also as a QR in human output). */
/** `tessera recover start [--remote]`: the code to show or send; `remote` only for a remote code. */
export const CliRecoverStart = z.object({ code: z.string(), remote: z.literal(true).optional() });

export const CliRecoverCustodian = z.object({
  name: z.string(),
  peerId: z.string(),
  comparisonCode: z.string(),
  state: z.string(),
  /** You confirmed this friend's code on the new device (`tessera recover confirm`): only then the piece counts. */
  confirmed: z.boolean(),
  /** Remote recovery: when their piece is released (state `waiting`). */
  releaseAt: z.string().optional(),
  /** How their device is connected now: `direct` or `relayed` (absent: not connected). */
  path: z.enum(['direct', 'relayed']).optional(),
});

/** Whose vault the confirmed pieces open (`ready`): checked by the person before `tessera recover finish`. */
export const CliRecoverVault = z.object({
  name: z.string(),
  fingerprint: z.string(),
  friends: z.array(z.string()),
  items: z.number().int().nonnegative(),
});

/**
 * The vault kept aside on this device while a forgotten-passphrase recovery runs (`tessera recover start --forgot`,
 * PROTOCOL §11.6): `recover finish` replaces it, `recover cancel` brings it back.
 */
export const CliRecoverKeptVault = z.object({ name: z.string(), fingerprint: z.string() });

/**
 * `tessera recover status`: `have` confirmed valid pieces of `need` (the threshold; 0 while unknown); `vault` once
 * the state is `ready`; `keptVault` only during a forgotten-passphrase recovery.
 */
export const CliRecoverStatus = z.object({
  state: z.string(),
  have: z.number().int().nonnegative(),
  need: z.number().int().nonnegative(),
  custodians: z.array(CliRecoverCustodian),
  vault: CliRecoverVault.nullable(),
  keptVault: CliRecoverKeptVault.optional(),
  /** A remote recovery (`recover start --remote`). */
  remote: z.literal(true).optional(),
  /** Set when a friend's Tessera said the owner's device stopped this recovery: what happened, in words. */
  stopped: z.string().optional(),
});

/** `tessera recover finish [--yes]`: the state afterwards (`restored`) and whose vault it was. */
export const CliRecoverFinish = z.object({ state: z.string(), vault: CliRecoverVault.nullable() });

/** `tessera recover cancel`: the state afterwards (`none`). */
export const CliRecoverCancelled = z.object({ state: z.string() });

/**
 * `tessera recover approve CODE --friend NAME [--yes]`: state is `sent` or `declined`; for a remote code `waiting`
 * (with `releaseAt`), `declined`, or with --no-wait `connecting` (with `replyCode`, the code for the new device).
 */
export const CliRecoverApprove = z.object({
  friend: z.string(),
  comparisonCode: z.string(),
  state: z.string(),
  id: z.string().optional(),
  replyCode: z.string().optional(),
  releaseAt: z.string().optional(),
});

/** `tessera recover approvals`: the custodian's approvals, LAN and remote, with where each stands. */
export const CliRecoverApprovals = z.array(
  z.object({
    id: z.string(),
    friend: z.string(),
    state: z.string(),
    comparisonCode: z.string(),
    remote: z.boolean(),
    releaseAt: z.string().optional(),
    standing: z.array(z.string()).optional(),
    threshold: z.number().int().optional(),
    path: z.enum(['direct', 'relayed']).optional(),
    replyCode: z.string().optional(),
  }),
);

/** `tessera recover watch`: remote recoveries friends told this device about (of its own vault, or a friend's). */
export const CliRecoverWatch = z.array(
  z.object({
    session: z.string(),
    mine: z.boolean(),
    owner: z.string(),
    custodian: z.string(),
    state: z.string(),
    until: z.string(),
    path: z.string(),
    stopped: z.boolean(),
  }),
);

/** `tessera recover stop SESSION`: how many custodians were told now, of how many. */
export const CliRecoverStop = z.object({ told: z.number().int(), custodians: z.number().int() });

/** `tessera import FILE --from …`: how many items were added, left out as duplicates, and skipped. */
export const CliImport = z.object({
  imported: z.number().int().nonnegative(),
  duplicates: z.number().int().nonnegative(),
  skipped: z.number().int().nonnegative(),
});
/** `tessera export --out FILE`: where it was written, how many items, and whether it is encrypted. */
export const CliExport = z.object({
  out: z.string(),
  items: z.number().int().nonnegative(),
  encrypted: z.boolean(),
});
