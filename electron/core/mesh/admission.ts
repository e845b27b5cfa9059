/**
 * Who may open a stream on each protocol, by the reason the connection gate let the peer connect (gater.ts): friends
 * only, unless listed here. A peer still pairing may only pair (PROTOCOL §8); a recovery window opens only the
 * recovery protocol (§11); a removed friend still owed a deletion request (`retiring`, §8.1) is admitted by none, so
 * the connection exists only for this side to ask them.
 */
import type { ProtocolName } from '../../../shared/protocol/protocols.ts';
import type { GateReason } from './gater.ts';

export const PROTOCOL_ADMITS: Partial<Record<ProtocolName, readonly GateReason[]>> = {
  pair: ['friend', 'pairing'],
  recovery: ['friend', 'window'],
  recoveryV1: ['window'],
};

const DEFAULT_ADMITS: readonly GateReason[] = ['friend'];

/** The gate reasons that may open a stream on `protocol`. */
export function admittedReasons(protocol: ProtocolName): readonly GateReason[] {
  return PROTOCOL_ADMITS[protocol] ?? DEFAULT_ADMITS;
}

/** Whether a peer the gate admitted for `reason` (null: not at all) may use a protocol admitting `admits`. */
export function isAdmitted(reason: GateReason | null, admits: readonly GateReason[]): boolean {
  return reason !== null && admits.includes(reason);
}
