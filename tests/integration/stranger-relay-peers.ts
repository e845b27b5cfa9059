/**
 * The processes of the stranger-relay test (stranger-relay.test.ts) besides the relay and its other friend (real
 * `tessera serve`s). Each is a real libp2p node in its own process, driven by one JSON line per command on stdin,
 * answered by one JSON line on stdout ({"ok": true, "value"} or {"ok": false, "error"}); the first line is
 * {"ready": …}.
 *
 *   node stranger-relay-peers.ts custodian LISTEN   a custodian's mesh (MeshService, in-memory SQLite), as the app
 *       builds it, so the test can call what the recovery flows call (admitStranger, replyAddresses) before they exist:
 *       invite | pair {code} | replyAddresses | admit {stranger, until} | window {peer, until} |
 *       send {peer, bytes} (a recovery conversation: 64 KiB messages, each acknowledged) | log
 *   node stranger-relay-peers.ts session LISTEN     a remote recovery session node (session-node.ts, remote: true)
 *       whose recovery handler acknowledges every message: dial {peer, addresses} | connected {peer} | received
 */
import { createInterface } from 'node:readline';
import Database from 'better-sqlite3';
import { generateIdentity } from '../../shared/crypto/identity.ts';
import { MIGRATIONS } from '../../electron/core/store/migrations/index.ts';
import { MeshService } from '../../electron/core/mesh/mesh-service.ts';
import { readConfig } from '../../electron/core/config.ts';
import { startSessionNode } from '../../electron/core/recovery/session-node.ts';
import { waitForOrNull } from '../helpers/wait-for.ts';

const [mode, listen] = process.argv.slice(2);
if (!listen) throw new Error('usage: stranger-relay-peers.ts custodian|session LISTEN');
type Command = Record<string, unknown> & { cmd: string };
const out = (v: unknown): void => void process.stdout.write(JSON.stringify(v) + '\n');

function serve(handle: (c: Command) => Promise<unknown>): void {
  createInterface({ input: process.stdin }).on('line', (line) => {
    const c = JSON.parse(line) as Command;
    handle(c).then(
      (value) => out({ ok: true, value: value ?? null }),
      (err: unknown) => out({ ok: false, error: describe(err) }),
    );
  });
}

const CHUNK = 64 * 1024;

/** An error with its causes, for the test's messages. */
function describe(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  return err.cause === undefined ? err.message : `${err.message} (${describe(err.cause)})`;
}

if (mode === 'custodian') {
  const db = new Database(':memory:');
  for (const migration of MIGRATIONS) migration.up(db);
  const logs: string[] = [];
  const mesh = new MeshService(
    db,
    { changed: () => {} },
    {
      listen: [listen],
      config: { ...readConfig(), mdns: false, upnp: false, meshRetryMs: 500 },
      log: (m) => logs.push(m),
    },
  );
  await mesh.start(generateIdentity(), 'Kim');
  out({ ready: true, peerId: mesh.peerId() });
  serve(async (c) => {
    switch (c.cmd) {
      case 'invite':
        return mesh.invite(60).code;
      case 'pair':
        return (await mesh.pair(String(c.code))).state;
      case 'friends':
        return mesh.list().map((f) => f.peerId);
      case 'replyAddresses':
        return mesh.replyAddresses();
      case 'admit':
        return mesh.admitStranger(String(c.stranger), Number(c.until));
      case 'window':
        return mesh.admit(String(c.peer), [], Number(c.until));
      case 'send': {
        // The session's dial resolves when its side is up; this side may finish upgrading a moment later.
        const conv = await waitForOrNull(
          'the connection from the session',
          () => mesh.open(String(c.peer), 'recovery').catch(() => null),
          5_000,
          100,
        );
        if (!conv) throw new Error(`no connection to ${String(c.peer)}`);
        let sent = 0;
        try {
          while (sent < Number(c.bytes)) {
            await conv.send(new Uint8Array(CHUNK).fill(7));
            await conv.receive();
            sent += CHUNK;
          }
          await conv.send(new Uint8Array(1));
          await conv.receive();
          await conv.close();
          return { ok: true, sent };
        } catch (err) {
          return { ok: false, sent, error: describe(err) };
        }
      }
      case 'log':
        return logs.join('\n');
      default:
        throw new Error(`unknown command ${c.cmd}`);
    }
  });
} else if (mode === 'session') {
  let received = 0;
  const session = await startSessionNode({
    keys: generateIdentity(),
    listen: [listen],
    port: null,
    openUntil: () => Number.MAX_SAFE_INTEGER,
    mdns: false,
    remote: true,
    handler: async (conv) => {
      for (;;) {
        const m = await conv.receive();
        received += m.length;
        await conv.send(Uint8Array.of(1));
        if (m.length === 1) return;
      }
    },
  });
  out({ ready: true, peerId: session.node.peerId.toString() });
  serve(async (c) => {
    switch (c.cmd) {
      case 'dial':
        return session.dial(String(c.peer), c.addresses as string[]);
      case 'connected':
        return session.connected(String(c.peer));
      case 'received':
        return received;
      default:
        throw new Error(`unknown command ${c.cmd}`);
    }
  });
} else throw new Error(`unknown mode ${mode}`);
