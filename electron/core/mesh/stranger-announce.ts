/**
 * A custodian's side of stranger admission (PROTOCOL §11.7): it announces the new device of a remote recovery to
 * each friend relay it holds a reservation on (its `/p2p/<relay>/p2p-circuit` listen addresses, the relay addresses
 * its reply code names), so that device may reach it through them.
 */
import { decodeRelayAdmitMessage, encodeRelayAdmitMessage } from '../../../shared/protocol/relay-admit.ts';
import type { Conversation } from './rpc.ts';

export interface StrangerAdmissionResult {
  /** The relay's peer ID. */
  relay: string;
  ok: boolean;
  /** What the relay granted (ok). */
  until?: number;
  /** Why not (the relay's refusal, or why it could not be asked). */
  reason?: string;
}

/** What announcing needs of the mesh: the relays of our reservations and a conversation with a friend. */
export interface AnnounceLink {
  relays(): string[];
  open(peerId: string, protocol: 'relayAdmit'): Promise<Conversation>;
}

/** Announces `stranger` until `until` to every friend relay we hold a reservation on, one answer per relay. */
export function announceStranger(
  link: AnnounceLink,
  stranger: string,
  until: number,
): Promise<StrangerAdmissionResult[]> {
  return Promise.all(link.relays().map((relay) => askRelay(link, relay, stranger, until)));
}

async function askRelay(
  link: AnnounceLink,
  relay: string,
  stranger: string,
  until: number,
): Promise<StrangerAdmissionResult> {
  let conv: Conversation | null = null;
  try {
    conv = await link.open(relay, 'relayAdmit');
    await conv.send(encodeRelayAdmitMessage({ t: 1, peer: stranger, until }));
    const answer = decodeRelayAdmitMessage(await conv.receive());
    if (answer.t === 2) return { relay, ok: true, until: answer.until };
    if (answer.t === 3) return { relay, ok: false, reason: answer.reason };
    return { relay, ok: false, reason: 'The relay answered with something other than an answer.' };
  } catch (err) {
    return { relay, ok: false, reason: err instanceof Error ? err.message : String(err) };
  } finally {
    await conv?.close();
  }
}
