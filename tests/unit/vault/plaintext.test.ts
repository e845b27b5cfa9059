import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { databasePath } from '../../../electron/core/store/store.ts';
import type { Item } from '../../../shared/api/ops/items.ts';
import { PASSPHRASE, expectOk, openCore, tempDir, useFastKdf } from './helpers.ts';

useFastKdf();

const SECRETS = {
  title: 'ZebraTitle-7f3a91',
  secret: 'OstrichSecret-c0ffee',
  notes: 'LlamaNotes-b16b00b5',
  tag: 'GiraffeTag-d00d',
  attachment: 'PelicanAttachment-feed',
  attachmentName: 'HeronFilename-beef.txt',
  passphrase: PASSPHRASE,
};

function findPlaintext(file: string): string[] {
  const bytes = readFileSync(file);
  return Object.values(SECRETS).filter(
    (s) => bytes.includes(Buffer.from(s, 'utf8')) || bytes.includes(Buffer.from(s, 'utf16le')),
  );
}

test('no title, secret, note, tag, attachment or passphrase is stored in plaintext (database and WAL)', async (t) => {
  const dir = tempDir(t);
  const path = databasePath(dir);
  const core = await openCore(t, dir);
  expectOk(await core.dispatch('vault.create', { name: 'AnnPublicName', passphrase: SECRETS.passphrase }));
  const item = expectOk<Item>(
    await core.dispatch('items.create', {
      title: SECRETS.title,
      secret: SECRETS.secret,
      notes: SECRETS.notes,
      tags: [SECRETS.tag],
      attachments: [
        { name: SECRETS.attachmentName, dataBase64: Buffer.from(SECRETS.attachment).toString('base64') },
      ],
    }),
  );
  expectOk(await core.dispatch('items.update', { id: item.id, notes: `${SECRETS.notes} again` }));

  // While open, the recent writes live in the -wal file.
  assert.ok(existsSync(`${path}-wal`) && statSync(`${path}-wal`).size > 0, 'the WAL holds the recent writes');
  assert.deepEqual(findPlaintext(`${path}-wal`), []);
  assert.deepEqual(findPlaintext(path), []);

  // After close, everything is checkpointed into the main file.
  await core.close();
  assert.deepEqual(findPlaintext(path), []);
  // The check itself works: the public name is stored in the clear, as designed.
  assert.ok(readFileSync(path).includes(Buffer.from('AnnPublicName')));
});
