/**
 * Figure 1: bytes on the wire per custodian for an incremental update. A ~10 MiB vault (200 small items plus
 * attachments), a 2-of-3 backup to three real custodian processes; then one ~1 KiB item changes and the owner
 * pushes the new version. Bytes are the owner's `bytesSent` counter (backup protocol messages: offer with the new
 * manifest, need, chunks, done) divided by the custodians; the baseline is the full first deposit, same run.
 */
import { acceptHolding, pair } from '../tests/helpers/cluster.ts';
import type { Peer } from '../tests/helpers/cluster.ts';
import { changeOneItem, fillVault } from './vault-fill.ts';
import { figure, KIB, log, median, MIB, PeerGroup, poll } from './lib.ts';
import type { Figure } from './lib.ts';

const VAULT_BYTES = Number(process.env.BENCH_INCREMENTAL_MIB ?? 10) * MIB;
const UPDATES = Number(process.env.BENCH_UPDATES ?? 5);
const CUSTODIANS = 3;

async function allHold(owner: Peer, version: number) {
  const s = await owner.serve.client.call('backup.status', {});
  return s.version >= version &&
    s.custodians.every((c) => c.state === 'delivered' && c.versionHeld === s.version)
    ? s
    : null;
}

export async function incremental(): Promise<Figure[]> {
  const group = new PeerGroup();
  try {
    const owner = await group.start('Owner');
    const custodians = await Promise.all(
      ['Ana', 'Ben', 'Cai'].slice(0, CUSTODIANS).map((n) => group.start(n)),
    );
    for (const c of custodians) await pair(owner, c);
    const itemId = await fillVault(owner, VAULT_BYTES);
    await owner.serve.client.call('backup.create', {
      custodians: custodians.map((c) => c.peerId),
      threshold: 2,
    });
    for (const c of custodians) await acceptHolding(c, owner);
    let status = await poll('the first deposit', () => allHold(owner, 1), 300_000, 50);
    const full = status.bytesSent / CUSTODIANS;
    log(`incremental: full deposit ${Math.round(full / 1024)} KiB per custodian (v${status.version})`);
    const deltas: number[] = [];
    for (let i = 0; i < UPDATES; i++) {
      const before = status;
      await changeOneItem(owner, itemId);
      status = await poll('the update', () => allHold(owner, before.version + 1), 120_000, 50);
      if (status.version !== before.version + 1)
        log(`incremental: ${status.version - before.version} versions`);
      deltas.push((status.bytesSent - before.bytesSent) / CUSTODIANS);
    }
    log(`incremental: updates ${deltas.map((d) => Math.round(d)).join(', ')} bytes per custodian`);
    return [
      figure({
        figure: `Incremental update: one ~1 KiB item changed in a ${VAULT_BYTES / MIB} MiB vault, bytes sent per custodian`,
        value: median(deltas) / KIB,
        unit: 'KiB',
        baseline: 'full backup deposit per custodian (same vault, same run)',
        baselineValue: full / KIB,
        target: '< 64 KiB',
        met: median(deltas) < 64 * KIB,
        note: `owner's bytesSent delta / ${CUSTODIANS} custodians (offer + new manifest, need, changed chunks, done; before yamux/Noise framing); median of ${UPDATES} updates: ${deltas.map((d) => (d / KIB).toFixed(1)).join(', ')} KiB`,
      }),
    ];
  } finally {
    await group.stopAll();
  }
}
