/**
 * Figure 5 (startup): `tessera serve` from process start (spawn) to accepting connections (its local API printed
 * the address, which it does once the HTTP server listens), on an empty data dir; baseline: a bare Node process
 * (same binary) from spawn to listening on a loopback HTTP port. The 10,000-owner store's figures come from
 * bench/custodian-scale.ts (same measurement, plus the mesh answering a peer).
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { rmSync } from 'node:fs';
import { startServe, tempDataDir } from '../tests/helpers/serve-process.ts';
import { figure, median } from './lib.ts';
import type { Figure } from './lib.ts';
import type { CustodianMeasures } from './custodian-scale.ts';

const RUNS = Number(process.env.BENCH_STARTS ?? 5);

async function bareNode(): Promise<number> {
  const t0 = Date.now();
  const child = spawn(
    process.execPath,
    [
      '-e',
      "const s=require('node:http').createServer();s.listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})",
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  await new Promise<void>((resolve) =>
    createInterface({ input: child.stdout }).once('line', () => resolve()),
  );
  const ms = Date.now() - t0;
  await new Promise((r) => child.once('exit', r));
  return ms;
}

async function emptyServe(): Promise<number> {
  const dataDir = tempDataDir('tessera-bench-empty');
  try {
    const t0 = Date.now();
    const serve = await startServe({ dataDir, env: { TESSERA_MDNS: '0' } });
    const ms = Date.now() - t0;
    await serve.stop();
    return ms;
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

export async function startup(big: CustodianMeasures | null): Promise<Figure[]> {
  const bare: number[] = [];
  const empty: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    bare.push(await bareNode());
    empty.push(await emptyServe());
  }
  const figures = [
    figure({
      figure: '`tessera serve` start → accepting connections (local API), empty data dir',
      value: median(empty),
      unit: 'ms',
      baseline: 'bare Node 24 process start → listening on loopback HTTP',
      baselineValue: median(bare),
      target: '— (reported)',
      met: null,
      note: `median of ${RUNS}; spawn to the first line the serve prints once its HTTP server listens`,
    }),
  ];
  if (big) {
    const n = big.owners.toLocaleString('en');
    figures.push(
      figure({
        figure: `\`tessera serve\` start → accepting connections (local API), ${n}-owner store`,
        value: median(big.apiReadyMs),
        unit: 'ms',
        baseline: 'bare Node 24 process start → listening on loopback HTTP',
        baselineValue: median(bare),
        target: '— (reported)',
        met: null,
        note: `median of ${big.apiReadyMs.length}; includes unlocking with TESSERA_PASSPHRASE (test-floor scrypt)`,
      }),
      figure({
        figure: `\`tessera serve\` start → mesh answering a friend, ${n}-owner store`,
        value: median(big.servingMs),
        unit: 'ms',
        baseline: 'bare Node 24 process start → listening on loopback HTTP',
        baselineValue: median(bare),
        target: '< 1000 ms (custodian start → serving)',
        met: median(big.servingMs) < 1000,
        note: 'a real peer process retries a health check over the mesh until the first valid proof',
      }),
    );
  }
  return figures;
}
