/**
 * The protocols a node serves (electron/core/mesh/protocol-registry.ts) and who each admits (admission.ts): the rule
 * for every protocol and gate reason, and the registry against a stand-in node that records what it is asked to
 * handle, so a stream can be handed to it as libp2p would (from an admitted peer or not).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateIdentity, peerIdOf } from '../../../shared/crypto/identity.ts';
import { PROTOCOLS, STREAM_CAPS } from '../../../shared/protocol/protocols.ts';
import type { ProtocolName } from '../../../shared/protocol/protocols.ts';
import { admittedReasons, isAdmitted } from '../../../electron/core/mesh/admission.ts';
import { PeerGate } from '../../../electron/core/mesh/gater.ts';
import type { GateReason } from '../../../electron/core/mesh/gater.ts';
import { ProtocolRegistry } from '../../../electron/core/mesh/protocol-registry.ts';
import type { ServingNode } from '../../../electron/core/mesh/protocol-registry.ts';
import { counterRandom } from '../shared/helpers.ts';

const friend = peerIdOf(generateIdentity(counterRandom(51)).signPublic);
const pairing = peerIdOf(generateIdentity(counterRandom(52)).signPublic);
const visitor = peerIdOf(generateIdentity(counterRandom(53)).signPublic);
const former = peerIdOf(generateIdentity(counterRandom(54)).signPublic);
const stranger = peerIdOf(generateIdentity(counterRandom(55)).signPublic);

const REASONS: GateReason[] = ['friend', 'pairing', 'window', 'retiring', 'announced'];

test('admission: friends only, pairing also for pending peers, recovery also for open windows, nothing for retiring or announced strangers', () => {
  const expected: Record<ProtocolName, GateReason[]> = {
    pair: ['friend', 'pairing'],
    verify: ['friend'],
    backup: ['friend'],
    forward: ['friend'],
    recovery: ['friend', 'window'],
    recoveryV1: ['window'],
    profile: ['friend'],
    relayAdmit: ['friend'],
    watch: ['friend'],
  };
  for (const protocol of Object.keys(PROTOCOLS) as ProtocolName[]) {
    const admitted = REASONS.filter((reason) => isAdmitted(reason, admittedReasons(protocol)));
    assert.deepEqual(admitted, expected[protocol], protocol);
    assert.equal(isAdmitted(null, admittedReasons(protocol)), false, `${protocol}: a peer the gate refused`);
  }
});

interface Handled {
  id: string;
  handler: (stream: unknown, connection: unknown) => Promise<void>;
  options: { maxInboundStreams?: number; maxOutboundStreams?: number; runOnLimitedConnection?: boolean };
}

/** Records every protocol it is asked to handle. */
function standInNode(): ServingNode & { handled: Handled[] } {
  const handled: Handled[] = [];
  return {
    handled,
    handle: (async (id: string, handler: Handled['handler'], options: Handled['options']) => {
      handled.push({ id, handler, options });
    }) as unknown as ServingNode['handle'],
  };
}

/** Enough of a libp2p stream for a conversation to be made over it, closed or aborted. */
function standInStream() {
  const stream = {
    aborted: null as Error | null,
    closed: false,
    log: Object.assign(() => {}, { error: () => {}, trace: () => {}, enabled: false }),
    addEventListener: () => {},
    removeEventListener: () => {},
    send: () => true,
    push: () => {},
    abort: (err: Error) => void (stream.aborted = err),
    close: async () => void (stream.closed = true),
  };
  return stream;
}

const from = (peerId: string) => ({ remotePeer: { toString: () => peerId } });

function gate(): PeerGate {
  const g = new PeerGate(() => 1_000);
  g.setFriends([friend]);
  g.setPairing([pairing]);
  g.openWindow(visitor, 2_000);
  g.setRetiring([former]);
  return g;
}

test('the registry serves what was registered before the node started, in order, and later ones at once', async () => {
  const registry = new ProtocolRegistry(gate());
  const noop = async () => {};
  registry.handle('pair', noop, 'pairing');
  registry.handle('profile', noop);
  registry.handle('verify', noop);
  const node = standInNode();
  await registry.serveOn(node);
  assert.deepEqual(
    node.handled.map((h) => h.id),
    [PROTOCOLS.pair, PROTOCOLS.profile, PROTOCOLS.verify],
  );
  assert.deepEqual(node.handled[0]?.options, {
    maxInboundStreams: STREAM_CAPS.pair,
    maxOutboundStreams: STREAM_CAPS.pair,
    runOnLimitedConnection: true,
  });

  registry.handle('backup', noop);
  await Promise.resolve();
  assert.equal(node.handled.at(-1)?.id, PROTOCOLS.backup, 'registered while running: served at once');
  assert.deepEqual(registry.protocols(), ['pair', 'profile', 'verify', 'backup']);

  registry.detach();
  registry.handle('forward', noop);
  await Promise.resolve();
  assert.equal(node.handled.length, 4, 'a stopped node is not asked');
  const next = standInNode();
  await registry.serveOn(next);
  assert.equal(next.handled.length, 5, 'the next node serves everything registered');
});

test('a stream from a peer the protocol does not admit is aborted before the handler runs', async () => {
  const logs: string[] = [];
  const registry = new ProtocolRegistry(gate(), (m) => void logs.push(m));
  const reached: string[] = [];
  registry.handle('pair', async (conv) => void reached.push(`pair:${conv.remotePeer}`), 'pairing');
  registry.handle('backup', async (conv) => void reached.push(`backup:${conv.remotePeer}`));
  const node = standInNode();
  await registry.serveOn(node);
  const [pair, backup] = node.handled;

  const cases: [Handled | undefined, string, boolean][] = [
    [pair, friend, true],
    [pair, pairing, true],
    [pair, visitor, false],
    [backup, friend, true],
    [backup, pairing, false],
    [backup, former, false],
    [backup, stranger, false],
  ];
  for (const [served, peer, admitted] of cases) {
    const stream = standInStream();
    await served!.handler(stream, from(peer));
    assert.equal(stream.aborted === null, admitted, `${served!.id} from ${peer}`);
    assert.equal(stream.closed, admitted, 'an admitted stream is closed after its handler');
  }
  assert.deepEqual(reached, [`pair:${friend}`, `pair:${pairing}`, `backup:${friend}`]);
  assert.match(logs[0]!, new RegExp(`^pairing with ${visitor} failed: Error: not admitted \\(window\\)`));
  assert.match(
    logs.at(-1)!,
    new RegExp(`^backup with ${stranger} failed: Error: not admitted \\(unknown peer\\)`),
  );
});
