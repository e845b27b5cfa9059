import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { TesseraCore } from '../../core/core.ts';
import { startHost } from '../../host/http-host.ts';
import { removeApiEndpoint, writeApiEndpoint } from '../../host/api-endpoint-file.ts';
import { createClient, localBridge } from '../../../shared/api/client.ts';
import type { Command } from '../command.ts';
import { unlockAtStart } from '../unlock.ts';
import { UsageError } from '../usage-error.ts';

/** Where the built renderer may be: beside the built CLI (out/main/cli.js → out/renderer), or from the sources. */
const RENDERER_DIRS = [
  new URL('../renderer', import.meta.url),
  new URL('../../../out/renderer', import.meta.url),
].map((url) => fileURLToPath(url));

const ServeStarted = z.object({ url: z.string(), port: z.number().int(), pid: z.number().int() });

function parsePort(value: string | boolean | string[] | undefined): number {
  if (value === undefined) return 0;
  const port = Number(value);
  if (typeof value !== 'string' || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new UsageError('--ui-port takes a port number from 0 to 65535 (0 picks a free one).');
  }
  return port;
}

function waitForSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });
}

export const serveCommand: Command = {
  name: 'serve',
  usage: 'tessera serve [--listen MULTIADDR[,MULTIADDR…]] [--ui-port N] [--relay]',
  summary: 'Run headless: mesh, custodian role, recovery serving, local API and web UI on 127.0.0.1.',
  options: ['listen', 'ui-port', 'relay'],
  async run({ dataDir, out, options }) {
    const uiPort = parsePort(options['ui-port']);
    const listen =
      typeof options.listen === 'string' ? options.listen.split(',').map((a) => a.trim()) : undefined;
    const core = await TesseraCore.open({
      dataDir,
      ...(listen ? { listen } : {}),
      ...(options.relay === true ? { relay: true } : {}),
    });
    let host: Awaited<ReturnType<typeof startHost>> | null = null;
    try {
      await unlockAtStart(createClient(localBridge(core)), (message) => out.info(message));
      const rendererDir = RENDERER_DIRS.find((dir) => existsSync(join(dir, 'index.html')));
      if (!rendererDir)
        out.info('tessera: the web UI is not built (run `npm run build`); the local API works without it.');
      host = await startHost({ core, rendererDir: rendererDir ?? RENDERER_DIRS.at(-1)!, port: uiPort });
      writeApiEndpoint(core.dataDir, { pid: process.pid, port: host.port, token: host.token });
      out.result(
        ServeStarted,
        { url: host.url, port: host.port, pid: process.pid },
        (s) => `Tessera UI: ${s.url}`,
      );
      out.info(`tessera: serving ${core.dataDir} (pid ${process.pid}); stop with Ctrl+C.`);
      const signal = await waitForSignal();
      out.info(`tessera: ${signal} received, stopping.`);
    } finally {
      removeApiEndpoint(core.dataDir);
      await host?.close();
      await core.close();
    }
  },
};
