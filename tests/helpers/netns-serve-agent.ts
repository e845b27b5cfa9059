/**
 * Runs inside one network namespace (`ip netns exec NS node netns-serve-agent.ts`, started by netns-people.ts)
 * and keeps any number of real `tessera serve` processes there (their loopback API is reachable only inside the
 * namespace).
 * One JSON line per request on stdin, one answer per line on stdout:
 *   {"id", "cmd": "start", "name", "dataDir", "env", "args", "listen"?}  → {"id", "ok", "value": {"pid"}}
 *       (args: more serve options; listen: default /ip4/0.0.0.0/tcp/0)
 *   {"id", "cmd": "call", "name", "op", "input"}        → {"id", "ok", "value" | "error"}
 *   {"id", "cmd": "log", "name"}                        → {"id", "ok", "value": "its stderr so far"}
 *   {"id", "cmd": "stop", "name"}                       → {"id", "ok"}       (SIGTERM, clean exit)
 *   {"id", "cmd": "exit"}                               stops everything and exits
 * The first line out is {"ready": true}. NETNS_SERVE_LOGS=1 prints each serve's log when it stops.
 */
import { createInterface } from 'node:readline';
import { startServe } from './serve-process.ts';
import type { ServeProcess } from './serve-process.ts';

type Request = {
  id: number;
  cmd: 'start' | 'call' | 'log' | 'stop' | 'exit';
  name?: string;
  dataDir?: string;
  env?: Record<string, string>;
  args?: string[];
  listen?: string;
  op?: string;
  input?: unknown;
};

const out = (v: unknown) => process.stdout.write(JSON.stringify(v) + '\n');
const serves = new Map<string, ServeProcess>();

async function handle(msg: Request): Promise<unknown> {
  const name = msg.name ?? '';
  switch (msg.cmd) {
    case 'start': {
      if (serves.has(name)) throw new Error(`${name} is already running`);
      const serve = await startServe({
        dataDir: msg.dataDir,
        listen: msg.listen ?? '/ip4/0.0.0.0/tcp/0',
        env: msg.env ?? {},
        serveArgs: msg.args ?? [],
        timeoutMs: 60_000,
      });
      serves.set(name, serve);
      return { pid: serve.pid };
    }
    case 'call': {
      const serve = serves.get(name);
      if (!serve) throw new Error(`${name} is not running`);
      const client = serve.client as unknown as { call(op: string, input: unknown): Promise<unknown> };
      return client.call(msg.op ?? '', msg.input ?? {});
    }
    case 'log':
      return serves.get(name)?.log() ?? '';
    case 'stop': {
      const serve = serves.get(name);
      serves.delete(name);
      if (serve) {
        if (process.env.NETNS_SERVE_LOGS === '1')
          process.stderr.write(`--- log of ${name} ---\n${serve.log()}\n`);
        await serve.stop();
      }
      return null;
    }
    case 'exit':
      await Promise.all([...serves.keys()].map((n) => handle({ id: -1, cmd: 'stop', name: n })));
      process.exit(0);
  }
}

out({ ready: true });
createInterface({ input: process.stdin }).on('line', (line) => {
  const msg = JSON.parse(line) as Request;
  handle(msg).then(
    (value) => out({ id: msg.id, ok: true, value: value ?? null }),
    (err: { code?: string; message?: string }) =>
      out({
        id: msg.id,
        ok: false,
        error: { code: err.code ?? 'ERROR', message: err.message ?? String(err) },
      }),
  );
});
process.stdin.on('end', () => void handle({ id: -1, cmd: 'exit' }));
