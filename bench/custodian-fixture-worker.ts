/** Worker thread of custodian-fixture.ts: generates owners (identities, splits, envelopes, backups) on request. */
import { parentPort, workerData } from 'node:worker_threads';
import { generateOwners } from './custodian-fixture.ts';

const { custodian, now } = workerData as {
  custodian: { signPublic: Uint8Array; boxPublic: Uint8Array; boxSignature: Uint8Array };
  now: number;
};
parentPort!.on('message', (m: { id: string; from: number; to: number }) => {
  void generateOwners(custodian, m.from, m.to, now).then((batch) =>
    parentPort!.postMessage({ id: m.id, batch }),
  );
});
