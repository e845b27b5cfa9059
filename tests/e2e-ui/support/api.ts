import type { Host } from './host.ts';
import { waitFor } from '../../helpers/wait-for.ts';

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
  await waitFor(
    'the two devices to compare codes',
    async () => {
      const fa = (await call<{ peerId: string; comparisonCode: string }[]>(a, 'friends.list')).find(
        (f) => f.peerId === peerB,
      );
      const fb = (await call<{ peerId: string; comparisonCode: string }[]>(b, 'friends.list')).find(
        (f) => f.peerId === peerA,
      );
      return fa?.comparisonCode && fa.comparisonCode === fb?.comparisonCode;
    },
    20_000,
    250,
  );
  await call(a, 'friends.confirm', { peerId: peerB, match: true });
  await call(b, 'friends.confirm', { peerId: peerA, match: true });
}

/** Makes two hosts friends through their APIs (both accept each other's invite), without comparing codes. */
export async function befriendUnverified(a: Host, b: Host): Promise<void> {
  const inviteA = await call<{ code: string }>(a, 'friends.invite', {});
  const inviteB = await call<{ code: string }>(b, 'friends.invite', {});
  await call(b, 'friends.pair', { code: inviteA.code });
  await call(a, 'friends.pair', { code: inviteB.code });
  const peerB = (await call<{ identity: { peerId: string } }>(b, 'app.status')).identity.peerId;
  await waitFor(
    'the two devices to pair',
    async () => {
      const friendsA = await call<{ peerId: string }[]>(a, 'friends.list');
      const friendsB = await call<{ peerId: string }[]>(b, 'friends.list');
      return friendsB.length > 0 && friendsA.some((f) => f.peerId === peerB);
    },
    20_000,
    250,
  );
}

/**
 * Alice has a vault with an item ("Email") and a 2-of-2 backup delivered to Bob and Carol, all set up through their
 * APIs (vaults created with `passphrase`). `waitingPeriodMs` is the backup's waiting period for a recovery from
 * elsewhere (PROTOCOL §11.7; the core's default when absent). Returns Alice's peer ID.
 */
export async function aliceWithBackup(
  alice: Host,
  bob: Host,
  carol: Host,
  passphrase: string,
  options: { waitingPeriodMs?: number } = {},
): Promise<string> {
  const created = await call<{ identity: { peerId: string } }>(alice, 'vault.create', {
    name: 'Alice',
    passphrase,
  });
  await call(bob, 'vault.create', { name: 'Bob', passphrase });
  await call(carol, 'vault.create', { name: 'Carol', passphrase });
  await call(alice, 'items.create', { title: 'Email', secret: 'alice-email-secret' });
  await befriend(alice, bob);
  await befriend(alice, carol);
  const friends = await call<{ peerId: string }[]>(alice, 'friends.list');
  await call(alice, 'backup.create', {
    custodians: friends.map((f) => f.peerId),
    threshold: 2,
    ...(options.waitingPeriodMs !== undefined ? { waitingPeriodMs: options.waitingPeriodMs } : {}),
  });
  for (const custodian of [bob, carol]) {
    await waitFor(
      'the holding request',
      async () => (await call<unknown[]>(custodian, 'requests.list')).length > 0,
      30_000,
      250,
    );
    const [request] = await call<{ id: string }[]>(custodian, 'requests.list');
    await call(custodian, 'requests.accept', { id: request!.id });
  }
  await waitFor(
    'both pieces delivered',
    async () =>
      (await call<{ custodians: { state: string }[] }>(alice, 'backup.status')).custodians.every(
        (c) => c.state === 'delivered',
      ),
    30_000,
    250,
  );
  return created.identity.peerId;
}
