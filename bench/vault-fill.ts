/** Fills a running node's vault through its API: many small items plus items with random attachments. */
import { randomBytes } from 'node:crypto';
import type { Peer } from '../tests/helpers/cluster.ts';
import { KIB, MIB } from './lib.ts';

/**
 * About `totalBytes` of vault: `smallItems` items of ~1 KiB (title, secret, notes), the rest as attachments of up to
 * 1 MiB (random, incompressible) spread over items of up to 4 attachments. Returns the id of one ~1 KiB item.
 */
export async function fillVault(peer: Peer, totalBytes: number, smallItems = 200): Promise<string> {
  let firstSmall = '';
  for (let i = 0; i < smallItems; i++) {
    const item = await peer.serve.client.call('items.create', {
      title: `Login ${i}`,
      secret: randomBytes(12).toString('base64'),
      notes: `Account ${i}: ${randomBytes(700).toString('base64').slice(0, 900)}`,
      tags: i % 4 === 0 ? ['work'] : ['home'],
    });
    if (i === 0) firstSmall = item.id;
  }
  let remaining = totalBytes - smallItems * KIB;
  let n = 0;
  while (remaining > 0) {
    const attachments = [];
    for (let k = 0; k < 4 && remaining > 0; k++) {
      const size = Math.min(remaining, 1 * MIB - 64 * KIB);
      attachments.push({
        name: `scan-${n}-${k}.pdf`,
        mediaType: 'application/pdf',
        dataBase64: randomBytes(size).toString('base64'),
      });
      remaining -= size;
    }
    await peer.serve.client.call('items.create', {
      title: `Documents ${n++}`,
      secret: '',
      notes: 'Scanned papers',
      tags: ['docs'],
      attachments,
    });
  }
  return firstSmall;
}

/** A ~1 KiB change to one item (its notes replaced by as many new random characters). */
export async function changeOneItem(peer: Peer, id: string): Promise<void> {
  await peer.serve.client.call('items.update', {
    id,
    notes: `Changed: ${randomBytes(700).toString('base64').slice(0, 1000)}`,
  });
}
