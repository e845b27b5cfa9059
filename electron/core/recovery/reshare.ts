/**
 * After a recovery the old key was exposed to the session, so the restored device re-shares at once under a fresh
 * key (`owner.create`), to the same custodians and threshold. Shard envelopes never list the other custodians, so
 * the custodian set is: those who sent a valid piece, plus every friend who proves (backup health challenge) that it
 * still holds something for us. Custodians accept without asking again (consent is per friend), and each replaces
 * the old piece with the new one.
 */
import { randomBytes } from 'node:crypto';
import { encodeBackupMessage, expectBackupMessage, NONCE_BYTES } from '../../../shared/protocol/backup.ts';
import type { Conversation } from '../../mesh/rpc.ts';
import type { FriendsStore } from '../../mesh/friends-store.ts';

export interface ReshareDeps {
  friends: FriendsStore;
  ready(): Promise<void>;
  open(peerId: string, protocol: 'backup'): Promise<Conversation>;
  create(input: { custodians: string[]; threshold: number }): Promise<unknown>;
  log(message: string): void;
}

const PROBE_TIMEOUT_MS = 15_000;

async function holdsForUs(deps: ReshareDeps, peerId: string): Promise<boolean> {
  const attempt = async () => {
    const conv = await deps.open(peerId, 'backup');
    try {
      await conv.send(
        encodeBackupMessage({ t: 'challenge', nonce: new Uint8Array(randomBytes(NONCE_BYTES)) }),
      );
      const proof = expectBackupMessage(await conv.receive(), 'proof');
      return proof.t === 'proof' && proof.held;
    } finally {
      await conv.close();
    }
  };
  const deadline = Date.now() + PROBE_TIMEOUT_MS;
  for (;;) {
    try {
      return await attempt();
    } catch (err) {
      if (Date.now() > deadline) {
        deps.log(`recovery: could not ask ${peerId} whether it holds a piece: ${String(err)}`);
        return false;
      }
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
}

/** Returns the custodians and threshold used, or null (with a reason) when a re-share is not possible. */
export async function reshareAfterRecovery(
  deps: ReshareDeps,
  delivered: string[],
  threshold: number,
): Promise<{ custodians: string[]; threshold: number } | { error: string }> {
  await deps.ready();
  const known = new Set(deps.friends.listFriends().map((f) => f.peerId));
  const others = [...known].filter((p) => !delivered.includes(p));
  const probed = await Promise.all(others.map(async (p) => ((await holdsForUs(deps, p)) ? p : null)));
  const custodians = [
    ...delivered.filter((p) => known.has(p)),
    ...probed.filter((p): p is string => p !== null),
  ];
  if (custodians.length < 2)
    return { error: 'Re-sharing needs at least 2 friends who held your old pieces; create a new backup.' };
  const t = Math.max(2, Math.min(threshold, custodians.length));
  await deps.create({ custodians, threshold: t });
  return { custodians, threshold: t };
}
