/**
 * After a recovery the old key was exposed to the session, so the restored device re-shares at once under a fresh
 * key (`owner.create`), to the same custodians and threshold (docs/PROTOCOL.md §11.5). The snapshot names the
 * custodians (envelopes never list the others); one offline now gets its new piece through the outbox when it comes
 * back. Those whose piece arrived are custodians too. Custodians accept without asking again (consent is per
 * friend), and each replaces the old piece with the new one.
 */
import type { FriendsStore } from '../mesh/friends-store.ts';

export interface ReshareDeps {
  friends: FriendsStore;
  ready(): Promise<void>;
  create(input: { custodians: string[]; threshold: number }): Promise<unknown>;
}

/** Returns the custodians and threshold used, or why a re-share is not possible. */
export async function reshareAfterRecovery(
  deps: ReshareDeps,
  delivered: string[],
  threshold: number,
  listed: string[] | undefined,
): Promise<{ custodians: string[]; threshold: number } | { error: string }> {
  await deps.ready();
  const known = new Set(deps.friends.listFriends().map((f) => f.peerId));
  const custodians = [...new Set([...delivered, ...(listed ?? [])])].filter((p) => known.has(p));
  if (custodians.length < 2)
    return { error: 'Re-sharing needs at least 2 friends who held your old pieces; create a new backup.' };
  const t = Math.max(2, Math.min(threshold, custodians.length));
  await deps.create({ custodians, threshold: t });
  return { custodians, threshold: t };
}
