import type { Host } from './host.ts';

/**
 * Calls a host's real HTTP API with its token, for setting up the other side of a multi-person flow (for example
 * the friend who is not the one being shown). The flows under test always go through the UI.
 */
export async function call<T = unknown>(host: Host, op: string, input: unknown = {}): Promise<T> {
  const url = new URL(host.url);
  const token = /#token=([0-9a-f]{64})/.exec(host.url)?.[1] ?? '';
  const response = await fetch(`${url.origin}/api/call`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ op, input }),
  });
  const envelope = (await response.json()) as {
    ok: boolean;
    value?: T;
    error?: { code: string; message: string };
  };
  if (!envelope.ok) throw new Error(`${op}: ${envelope.error?.code} ${envelope.error?.message}`);
  return envelope.value as T;
}

/**
 * Makes two hosts verified friends through their APIs: both accept each other's invite, then confirm the code both
 * screens show (PROTOCOL §8.5).
 */
export async function befriend(a: Host, b: Host): Promise<void> {
  await befriendUnverified(a, b);
  const [peerA, peerB] = await Promise.all(
    [a, b].map(async (h) => (await call<{ identity: { peerId: string } }>(h, 'app.status')).identity.peerId),
  );
  const deadline = Date.now() + 20_000;
  for (;;) {
    const fa = (await call<{ peerId: string; comparisonCode: string }[]>(a, 'friends.list')).find(
      (f) => f.peerId === peerB,
    );
    const fb = (await call<{ peerId: string; comparisonCode: string }[]>(b, 'friends.list')).find(
      (f) => f.peerId === peerA,
    );
    if (fa?.comparisonCode && fa.comparisonCode === fb?.comparisonCode) break;
    if (Date.now() > deadline) throw new Error('the two devices did not compare codes within 20 s');
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  await call(a, 'friends.confirm', { peerId: peerB, match: true });
  await call(b, 'friends.confirm', { peerId: peerA, match: true });
}

/** Makes two hosts friends through their APIs (both accept each other's invite), without comparing codes. */
export async function befriendUnverified(a: Host, b: Host): Promise<void> {
  const inviteA = await call<{ code: string }>(a, 'friends.invite', {});
  const inviteB = await call<{ code: string }>(b, 'friends.invite', {});
  await call(b, 'friends.pair', { code: inviteA.code });
  await call(a, 'friends.pair', { code: inviteB.code });
  const deadline = Date.now() + 20_000;
  for (;;) {
    const friendsA = await call<{ peerId: string }[]>(a, 'friends.list');
    const friendsB = await call<{ peerId: string }[]>(b, 'friends.list');
    if (friendsA.length > 0 && friendsB.length > 0) {
      const statusB = await call<{ identity: { peerId: string } }>(b, 'app.status');
      if (friendsA.some((f) => f.peerId === statusB.identity.peerId)) return;
    }
    if (Date.now() > deadline) throw new Error('pairing did not complete within 20 s');
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
