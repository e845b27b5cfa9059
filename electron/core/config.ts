import { z } from 'zod';

/**
 * The core's tunables, read from the environment once when the core opens (TesseraCore.open) and handed to every
 * service, so no service reads `process.env` and a bad value stops the start with a sentence that names it.
 * Tests shorten the timers; people normally set none of these (docs/ARCHITECTURE.md, "Configuration").
 */
export interface CoreConfig {
  /** TESSERA_MESH_LOG=1: mesh events on stderr. */
  meshLog: boolean;
  /** TESSERA_RELAY: relay for friends (on/off); null: the saved setting decides. */
  relay: 'on' | 'off' | null;
  /** TESSERA_MDNS=0: no LAN discovery. */
  mdns: boolean;
  /** TESSERA_UPNP=0: no port mapping on the home router. */
  upnp: boolean;
  /** TESSERA_MESH_RETRY_MS: how often friends out of reach are dialled again, and parcels retried. */
  meshRetryMs: number;
  /** TESSERA_FORWARD_AFTER_MS: how long a custodian is out of reach before a carrier friend is used. */
  forwardAfterMs: number;
  /** TESSERA_RECONCILE_MS: how often each custodian's copy is compared with the current version. */
  reconcileMs: number;
  /** TESSERA_HEALTH_MS: how often custodians prove they still hold the data. */
  healthMs: number;
  /** TESSERA_HOLD_REQUEST_TTL_MS: how long a request to hold a piece waits for the friend's answer. */
  holdRequestTtlMs: number;
  /** TESSERA_DEPOSIT_BUDGET_MIB: disk this device lends to friends' backups, in MiB. */
  depositBudgetMib: number;
  /** TESSERA_RECOVERY_APPROVAL_MS: how long a custodian's approval of a recovery stays valid. */
  recoveryApprovalMs: number;
  /** TESSERA_STRANGER_RELAY_MS: the longest a friend relay lets a friend's announced stranger through (§11.7). */
  strangerRelayMs: number;
  /** TESSERA_STRANGER_RELAY_BYTES: what a friend relay relays for one announced stranger in all (§11.7). */
  strangerRelayBytes: number;
  /**
   * TESSERA_MIN_REMOTE_WAIT_MS: the shortest waiting period of a remote recovery (PROTOCOL §11.7): the least an owner
   * may choose, and the least this device waits as a custodian whatever the envelope says.
   */
  minRemoteWaitMs: number;
}

/** A value of a TESSERA_* variable that cannot be used; the message names the variable and what it accepts. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

const HOUR = 60 * 60_000;
const DAY = 24 * HOUR;
const MIB = 1024 * 1024;

const flag = (onByDefault: boolean) =>
  z
    .enum(['0', '1', 'on', 'off', 'true', 'false', ''])
    .optional()
    .transform((v) => (v === undefined || v === '' ? onByDefault : v === '1' || v === 'on' || v === 'true'));

const millis = (min: number, max: number, fallback: number) =>
  z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v === '') return fallback;
      const n = Number(v);
      if (!Number.isInteger(n) || n < min || n > max) {
        ctx.addIssue({ code: 'custom', message: `a whole number from ${min} to ${max}` });
        return z.NEVER;
      }
      return n;
    });

const schema = z.object({
  TESSERA_MESH_LOG: flag(false),
  TESSERA_RELAY: z
    .enum(['0', '1', 'on', 'off', 'true', 'false', ''])
    .optional()
    .transform((v) =>
      v === undefined || v === ''
        ? null
        : v === '1' || v === 'on' || v === 'true'
          ? ('on' as const)
          : ('off' as const),
    ),
  TESSERA_MDNS: flag(true),
  TESSERA_UPNP: flag(true),
  TESSERA_MESH_RETRY_MS: millis(100, 600_000, 15_000),
  TESSERA_FORWARD_AFTER_MS: millis(1_000, 30 * DAY, HOUR),
  TESSERA_RECONCILE_MS: millis(100, DAY, 15_000),
  TESSERA_HEALTH_MS: millis(100, 30 * DAY, 6 * HOUR),
  TESSERA_HOLD_REQUEST_TTL_MS: millis(100, 365 * DAY, 7 * DAY),
  TESSERA_DEPOSIT_BUDGET_MIB: millis(1, 16 * 1024 * 1024, 256),
  TESSERA_RECOVERY_APPROVAL_MS: millis(100, DAY, 10 * 60_000),
  TESSERA_STRANGER_RELAY_MS: millis(100, 7 * DAY, 7 * DAY),
  TESSERA_STRANGER_RELAY_BYTES: millis(1024, 512 * MIB, 512 * MIB),
  TESSERA_MIN_REMOTE_WAIT_MS: millis(100, 30 * DAY, HOUR),
});

/** Parses the TESSERA_* variables of `env` (the process environment by default); throws ConfigError on a bad one. */
export function readConfig(env: Readonly<Record<string, string | undefined>> = process.env): CoreConfig {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const name = String(issue.path[0]);
    const accepted = issue.code === 'custom' ? issue.message : '0 or 1 (also off/on, false/true)';
    throw new ConfigError(
      `${name}=${JSON.stringify(env[name])} cannot be used: it takes ${accepted}. Unset it for the default.`,
    );
  }
  const c = parsed.data;
  return {
    meshLog: c.TESSERA_MESH_LOG,
    relay: c.TESSERA_RELAY,
    mdns: c.TESSERA_MDNS,
    upnp: c.TESSERA_UPNP,
    meshRetryMs: c.TESSERA_MESH_RETRY_MS,
    forwardAfterMs: c.TESSERA_FORWARD_AFTER_MS,
    reconcileMs: c.TESSERA_RECONCILE_MS,
    healthMs: c.TESSERA_HEALTH_MS,
    holdRequestTtlMs: c.TESSERA_HOLD_REQUEST_TTL_MS,
    depositBudgetMib: c.TESSERA_DEPOSIT_BUDGET_MIB,
    recoveryApprovalMs: c.TESSERA_RECOVERY_APPROVAL_MS,
    strangerRelayMs: c.TESSERA_STRANGER_RELAY_MS,
    strangerRelayBytes: c.TESSERA_STRANGER_RELAY_BYTES,
    minRemoteWaitMs: c.TESSERA_MIN_REMOTE_WAIT_MS,
  };
}

/** Time as the core sees it: injected so planners and timers can be tested without waiting. */
export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };
