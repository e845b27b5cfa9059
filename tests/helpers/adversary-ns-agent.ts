/**
 * Runs inside a network namespace (`ip netns exec NS node adversary-ns-agent.ts DATA_DIR LISTEN`): starts a real
 * `tessera serve` there (its loopback API is only reachable inside the namespace) and relays API calls for the test
 * over stdin/stdout, one JSON line each: {"id", "op", "input"} → {"id", "ok", "value" | "error"}; {"id", "cmd":
 * "stop"} stops the serve and exits. The first line out is {"ready": true, "pid": …}.
 */
import { createInterface } from 'node:readline';
import { startServe } from './serve-process.ts';
import type { TesseraError } from '../../shared/errors.ts';

const [dataDir, listen] = process.argv.slice(2);
if (!dataDir || !listen) {
  console.error('usage: adversary-ns-agent.ts DATA_DIR LISTEN_MULTIADDR');
  process.exit(2);
}
const out = (v: unknown) => process.stdout.write(JSON.stringify(v) + '\n');
const serve = await startServe({
  dataDir,
  listen,
  env: { TESSERA_MDNS: '0', TESSERA_MESH_RETRY_MS: '300', TESSERA_RECONCILE_MS: '500' },
});
out({ ready: true, pid: serve.pid });
const client = serve.client as unknown as { call(op: string, input: unknown): Promise<unknown> };
createInterface({ input: process.stdin }).on('line', (line) => {
  const msg = JSON.parse(line) as { id: number; op?: string; input?: unknown; cmd?: string };
  if (msg.cmd === 'stop') {
    void serve.stop().then(() => {
      out({ id: msg.id, ok: true, value: null });
      process.exit(0);
    });
    return;
  }
  client.call(msg.op ?? '', msg.input ?? {}).then(
    (value) => out({ id: msg.id, ok: true, value }),
    (err: TesseraError) => out({ id: msg.id, ok: false, error: { code: err.code, message: err.message } }),
  );
});
process.stdin.on('end', () => void serve.stop().then(() => process.exit(0)));
