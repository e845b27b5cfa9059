/** tests/vectors/export.json: the encrypted export format (PROTOCOL §12) from a fixed input, both scrypt providers. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fromHex } from '../../../shared/crypto/bytes.ts';
import { openExport } from '../../../shared/formats/export-file.ts';
import { nodeScrypt } from '../../../electron/core/import/transfer-service.ts';
import { EXPORT_CONTENT, EXPORT_PASSPHRASE, computeExportVector, nobleScrypt } from './export-vector-case.ts';

const stored = JSON.parse(
  readFileSync(join(import.meta.dirname, '../../vectors/export.json'), 'utf8'),
) as Awaited<ReturnType<typeof computeExportVector>>;

test('the export vector regenerates from its fixed input', async () => {
  assert.deepEqual(await computeExportVector(), stored);
});

test('the stored export opens with node:crypto scrypt and with @noble scrypt; a changed byte or passphrase does not', async () => {
  const file = fromHex(stored.file);
  for (const scrypt of [nodeScrypt, nobleScrypt])
    assert.deepEqual(await openExport(file, EXPORT_PASSPHRASE, scrypt), EXPORT_CONTENT);
  await assert.rejects(openExport(file, 'other', nodeScrypt), { code: 'WRONG_PASSPHRASE' });
  for (const at of [20, 40, file.length - 1]) {
    const bad = file.slice();
    bad[at]! ^= 1;
    await assert.rejects(openExport(bad, EXPORT_PASSPHRASE, nodeScrypt));
  }
  await assert.rejects(openExport(file.subarray(0, file.length - 10), EXPORT_PASSPHRASE, nodeScrypt), {
    code: 'WRONG_PASSPHRASE',
  });
  await assert.rejects(openExport(file.subarray(0, 30), EXPORT_PASSPHRASE, nodeScrypt), {
    code: 'BAD_REQUEST',
  });
});
