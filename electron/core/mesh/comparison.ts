/**
 * Comparing codes with a friend (/tessera/verify/1.0.0, PROTOCOL §8.5): the SAS exchange of shared/crypto/sas.ts
 * over the friends' Noise-authenticated connection. Each run gives both screens a fresh six-digit code; a person
 * confirms it (the friend is then verified) or says it does not match.
 *
 * Someone in the middle of a pairing (who swapped the invites in transit) wins a run with probability 10^-6, but
 * could try again and again if runs were free: so a run starts only on this person's action or right after pairing
 * (as initiator), and a device answers at most RESPONDER_RUNS_PER_DAY runs per friend, none once that friend is
 * verified. Each run replaces the code on screen, so the person always compares the latest one.
 */
import { randomBytes } from 'node:crypto';
import { sasCode, sasCommit, sasCommitmentHolds, SAS_NONCE_BYTES } from '../../../shared/crypto/sas.ts';
import type { SasKeys } from '../../../shared/crypto/sas.ts';
import { RefusedError, TesseraError } from '../../../shared/errors.ts';
import {
  decodeVerifyMessage,
  encodeVerifyMessage,
  VERIFY_SAS_CONTEXT,
} from '../../../shared/protocol/verify.ts';
import type { VerifyMessage } from '../../../shared/protocol/verify.ts';
import { ProtocolError } from './rpc.ts';
import type { Conversation } from './rpc.ts';

/** How many comparison runs a device answers per friend in 24 hours. */
export const RESPONDER_RUNS_PER_DAY = 3;

/** The friend's device refused to compare codes; it gave a reason. */
export class ComparisonRefusedError extends RefusedError {
  constructor(reason: string) {
    super(reason, { by: "Your friend's device", what: 'to compare codes', code: 'VERIFICATION_FAILED' });
  }
}

/** The friend's device revealed another nonce than it committed to (PROTOCOL §6.4): someone is tampering. */
export class BrokenCommitmentError extends TesseraError {
  constructor() {
    super(
      'VERIFICATION_FAILED',
      "Your friend's device did not keep to its commitment while the codes were made; someone may be tampering. Pair in person.",
    );
  }
}

async function receive(conv: Conversation): Promise<VerifyMessage> {
  const bytes = await conv.receive();
  try {
    return decodeVerifyMessage(bytes);
  } catch (err) {
    throw new ProtocolError('The peer sent a malformed code comparison message.', { cause: err });
  }
}

/** Initiator: asks, checks the responder's commitment, returns the code. */
export async function compareAsInitiator(conv: Conversation, keys: SasKeys): Promise<string> {
  await conv.send(encodeVerifyMessage({ t: 1 }));
  const commit = await receive(conv);
  if (commit.t === 5) throw new ComparisonRefusedError(commit.reason);
  if (commit.t !== 2) throw new ProtocolError('Unexpected code comparison message (expected a commitment).');
  const nI = new Uint8Array(randomBytes(SAS_NONCE_BYTES));
  await conv.send(encodeVerifyMessage({ t: 3, n: nI }));
  const reveal = await receive(conv);
  if (reveal.t === 5) throw new ComparisonRefusedError(reveal.reason);
  if (reveal.t !== 4) throw new ProtocolError('Unexpected code comparison message (expected a nonce).');
  if (!sasCommitmentHolds(VERIFY_SAS_CONTEXT, keys, commit.c, reveal.n)) throw new BrokenCommitmentError();
  return sasCode(VERIFY_SAS_CONTEXT, keys, nI, reveal.n);
}

/** Responder: commits first; returns the code, or null when it refused (`refusal` gave a reason). */
export async function compareAsResponder(
  conv: Conversation,
  keys: SasKeys,
  refusal: string | null,
): Promise<string | null> {
  const start = await receive(conv);
  if (start.t !== 1) throw new ProtocolError('Unexpected code comparison message (expected start).');
  if (refusal) {
    await conv.send(encodeVerifyMessage({ t: 5, reason: refusal }));
    return null;
  }
  const nR = new Uint8Array(randomBytes(SAS_NONCE_BYTES));
  await conv.send(encodeVerifyMessage({ t: 2, c: sasCommit(VERIFY_SAS_CONTEXT, keys, nR) }));
  const nonce = await receive(conv);
  if (nonce.t === 5) return null;
  if (nonce.t !== 3) throw new ProtocolError('Unexpected code comparison message (expected a nonce).');
  await conv.send(encodeVerifyMessage({ t: 4, n: nR }));
  return sasCode(VERIFY_SAS_CONTEXT, keys, nonce.n, nR);
}

/** Counts the runs this device answered per friend over the last 24 hours (in memory: a restart forgets). */
export class ResponderBudget {
  private readonly runs = new Map<string, number[]>();
  private readonly now: () => number;

  constructor(now: () => number) {
    this.now = now;
  }

  /** Takes one run for `peerId`; false when the day's budget is spent. */
  take(peerId: string): boolean {
    const now = this.now();
    const recent = (this.runs.get(peerId) ?? []).filter((t) => now - t < 24 * 60 * 60_000);
    if (recent.length >= RESPONDER_RUNS_PER_DAY) {
      this.runs.set(peerId, recent);
      return false;
    }
    recent.push(now);
    this.runs.set(peerId, recent);
    return true;
  }
}
