import { MAX_BACKUP_MESSAGE_BYTES } from './backup.ts';
import { MAX_FORWARD_MESSAGE_BYTES } from './forward.ts';
import { MAX_PROFILE_MESSAGE_BYTES } from './profile.ts';
import { MAX_RECOVERY_MESSAGE_BYTES } from './recovery.ts';
import { MAX_RELAY_ADMIT_MESSAGE_BYTES } from './relay-admit.ts';
import { MAX_WATCH_MESSAGE_BYTES } from './recovery-watch.ts';
import { MAX_VERIFY_MESSAGE_BYTES } from './verify.ts';

/** libp2p protocol IDs of the Tessera mesh and the per-protocol message caps (checked before allocating). */
export const PROTOCOLS = {
  pair: '/tessera/pair/1.0.0',
  verify: '/tessera/verify/1.0.0',
  backup: '/tessera/backup/1.0.0',
  forward: '/tessera/forward/1.0.0',
  recovery: '/tessera/recovery/2.0.0',
  /** The previous recovery protocol: a new device answers it only to say the custodian must update (PROTOCOL §11.2). */
  recoveryV1: '/tessera/recovery/1.0.0',
  /** A friend's new name, signed (PROTOCOL §8.6). */
  profile: '/tessera/profile/1.0.0',
  /** A custodian announces a remote recovery's new device to a friend relay (PROTOCOL §11.7). */
  relayAdmit: '/tessera/relay-admit/1.0.0',
  /** Custodians tell the owner and each other about a remote recovery; the owner's cancel (PROTOCOL §11.7). */
  watch: '/tessera/recovery-watch/1.0.0',
} as const;

export type ProtocolName = keyof typeof PROTOCOLS;

export const MESSAGE_CAPS: Record<ProtocolName, number> = {
  pair: 1024,
  verify: MAX_VERIFY_MESSAGE_BYTES,
  backup: MAX_BACKUP_MESSAGE_BYTES,
  forward: MAX_FORWARD_MESSAGE_BYTES,
  recovery: MAX_RECOVERY_MESSAGE_BYTES,
  recoveryV1: 1024,
  profile: MAX_PROFILE_MESSAGE_BYTES,
  relayAdmit: MAX_RELAY_ADMIT_MESSAGE_BYTES,
  watch: MAX_WATCH_MESSAGE_BYTES,
};

/** Per-connection stream caps for each protocol (inbound and outbound). */
export const STREAM_CAPS: Record<ProtocolName, number> = {
  pair: 2,
  verify: 2,
  backup: 8,
  forward: 4,
  recovery: 4,
  recoveryV1: 1,
  profile: 2,
  relayAdmit: 2,
  watch: 2,
};

/** How long one whole conversation may take (a backup deposit moves the whole encrypted vault). */
export const CONVERSATION_TIMEOUT_MS: Record<ProtocolName, number> = {
  pair: 15_000,
  verify: 15_000,
  backup: 10 * 60_000,
  forward: 5 * 60_000,
  recovery: 5 * 60_000,
  recoveryV1: 15_000,
  profile: 15_000,
  relayAdmit: 15_000,
  watch: 15_000,
};
