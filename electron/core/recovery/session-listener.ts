/**
 * The session's node, listening for custodians (PROTOCOL §11.1): its ephemeral identity, the configured addresses
 * (with ports of its own beside a kept vault, §11.6), the port used before when it can (so a code already scanned
 * still reaches it, the port is remembered in the session row), and every conversation served against the
 * session's store (session-endpoint.ts).
 */
import { sessionEndpoint } from './session-endpoint.ts';
import type { EndpointDeps } from './session-endpoint.ts';
import { sessionSignKeys } from './session-identity.ts';
import { startSessionNode } from './session-node.ts';
import type { SessionNode } from './session-node.ts';
import { serveRecoveryConversation } from './session-protocol.ts';
import type { RecoverySessionStore, SessionRow } from './session-store.ts';

export interface ListenerDeps {
  store: RecoverySessionStore;
  /** The configured listen addresses, or null for the default. */
  listen: string[] | null;
  /** A vault is kept aside on this device (forgotten passphrase): the mesh may hold the configured ports. */
  besideKeptVault: boolean;
  mdns: boolean;
  /** What the session does with what custodians say. */
  session: Omit<EndpointDeps, 'store' | 'row' | 'now'>;
  /** A custodian on the previous release tried to help (it was told to update). */
  onOutdated(peerId: string): void;
  now: () => number;
  log: (message: string) => void;
}

/** The configured addresses with every TCP port replaced by a free one (`/tcp/0`). */
export function ownPorts(listen: readonly string[]): string[] {
  return listen.map((a) => a.replace(/\/tcp\/\d+(?=\/|$)/, '/tcp/0'));
}

export async function listenForCustodians(row: SessionRow, deps: ListenerDeps): Promise<SessionNode> {
  const { store } = deps;
  const node = await startSessionNode({
    keys: { ...sessionSignKeys(row), boxSecret: new Uint8Array(32), boxSignature: new Uint8Array(64) },
    // Beside a kept vault the mesh may hold the configured ports (it keeps serving friends while locked): the
    // session listens on the same addresses with ports of its own.
    listen: deps.besideKeptVault && deps.listen ? ownPorts(deps.listen) : deps.listen,
    port: row.port,
    openUntil: () => store.session()?.expiresAt ?? 0,
    mdns: deps.mdns,
    handler: (conv) =>
      serveRecoveryConversation(conv, sessionEndpoint({ store, row, now: deps.now, ...deps.session })),
    onOutdated: (peerId) => deps.onOutdated(peerId),
    remote: row.remote,
    now: deps.now,
    log: deps.log,
  });
  const port = node.port();
  if (port !== row.port) store.updateSession({ port });
  deps.log(`recovery: session ${node.node.peerId.toString()} listening on ${node.addresses().join(', ')}`);
  return node;
}
