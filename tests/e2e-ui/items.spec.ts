import { readFileSync } from 'node:fs';
import type { Page } from '@playwright/test';
import { test, expect, shot } from './support/fixtures.ts';
import { addItem, createVault, fillItem } from './support/flows.ts';

const clipboardText = (page: Page) => page.evaluate(() => navigator.clipboard.readText());

test('add, search, view, reveal, copy (cleared after 30 s), edit and delete items', async ({
  app,
  context,
}) => {
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  await app.clock.install();
  await createVault(app);

  await addItem(app, {
    title: 'Email',
    secret: 'hunter2-but-longer',
    notes: 'Recovery codes are in the drawer.\nSecond line.',
    tags: 'work, email',
  });
  await expect(app.getByTestId('secret-value')).not.toContainText('hunter2');
  await expect(app.getByTestId('item-notes')).toHaveText('Recovery codes are in the drawer.\nSecond line.');
  await addItem(app, { title: 'Bank', secret: '4321', tags: 'money' });
  await addItem(app, { title: 'Wi-Fi at home', secret: 'g3n3rated' });
  await expect(app.getByTestId('item-list').getByRole('button')).toHaveCount(3);

  // Search narrows the list (by title, tag or note).
  await app.getByLabel('Search items').fill('money');
  await expect(app.getByTestId('item-list').getByRole('button')).toHaveCount(1);
  await expect(app.getByTestId('item-list')).toContainText('Bank');
  await app.getByLabel('Search items').fill('nothing like this');
  await expect(app.getByTestId('vault-empty')).toContainText('No items match');
  await app.getByLabel('Search items').fill('');
  await expect(app.getByTestId('item-list').getByRole('button')).toHaveCount(3);

  // View and reveal on demand.
  await app.getByTestId('item-list').getByRole('button', { name: /Email/ }).click();
  await expect(app.getByRole('heading', { name: 'Email', level: 2 })).toBeVisible();
  await app.getByRole('button', { name: 'Reveal secret' }).click();
  await expect(app.getByTestId('secret-value')).toHaveText('hunter2-but-longer');
  await shot(app, 'vault-item-revealed');
  await app.getByRole('button', { name: 'Hide secret' }).click();
  await expect(app.getByTestId('secret-value')).not.toContainText('hunter2');

  // Copy: the clipboard holds the secret, and is cleared 30 seconds later.
  await app.getByRole('button', { name: 'Copy secret' }).click();
  await expect(app.getByTestId('clipboard-status')).toContainText(
    /The clipboard will be cleared in (30|29) s/,
  );
  expect(await clipboardText(app)).toBe('hunter2-but-longer');
  await shot(app, 'vault-item-copied');
  await app.clock.fastForward('00:31');
  await expect(app.getByTestId('clipboard-status')).toContainText('Clipboard cleared.');
  expect(await clipboardText(app)).toBe('');

  // Edit: change the title and secret; the list follows.
  await app.getByRole('button', { name: 'Edit' }).click();
  await expect(app.getByRole('heading', { name: 'Edit item' })).toBeVisible();
  await expect(app.getByLabel('Title')).toHaveValue('Email');
  await fillItem(app, { title: 'Personal email', secret: 'a-new-secret' });
  await shot(app, 'vault-item-edit');
  await app.getByRole('button', { name: 'Save changes' }).click();
  await expect(app.getByRole('heading', { name: 'Personal email', level: 2 })).toBeVisible();
  await expect(app.getByTestId('item-list')).toContainText('Personal email');
  await app.getByRole('button', { name: 'Reveal secret' }).click();
  await expect(app.getByTestId('secret-value')).toHaveText('a-new-secret');
  await shot(app, 'vault-list');

  // An empty title is refused before anything is sent.
  await app.getByRole('button', { name: 'Edit' }).click();
  await fillItem(app, { title: '' });
  await app.getByRole('button', { name: 'Save changes' }).click();
  await expect(app.getByText('Give the item a title')).toBeVisible();
  await app.getByRole('button', { name: 'Cancel' }).click();

  // Delete asks first; Cancel keeps the item, Delete removes it.
  await app.getByRole('button', { name: 'Delete' }).click();
  const dialog = app.getByRole('dialog', { name: 'Delete this item?' });
  await expect(dialog).toContainText('“Personal email” and its files will be removed');
  await shot(app, 'vault-delete-confirm');
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await expect(dialog).toBeHidden();
  await app.getByRole('button', { name: 'Delete' }).click();
  await dialog.getByRole('button', { name: 'Delete' }).click();
  await expect(app.getByTestId('item-list').getByRole('button')).toHaveCount(2);
  await expect(app.getByTestId('item-list')).not.toContainText('Personal email');
});

test('attachments: add a file, save it back, keep it while adding another, remove them; a file over 1 MiB is flagged and never sent', async ({
  app,
}) => {
  await createVault(app);
  const content = Buffer.from('my recovery sheet\n'.repeat(100));
  await addItem(app, {
    title: 'Passport scan',
    files: [{ name: 'sheet.txt', mimeType: 'text/plain', buffer: content }],
  });
  await expect(app.getByText('sheet.txt')).toBeVisible();
  await expect(app.getByTestId('item-list')).toContainText('1 file');

  const download = app.waitForEvent('download');
  await app.getByRole('button', { name: 'Save sheet.txt' }).click();
  const file = await download;
  expect(file.suggestedFilename()).toBe('sheet.txt');
  const path = await file.path();
  expect(readFileSync(path).equals(content)).toBe(true);
  await shot(app, 'vault-item-attachment');

  // Too large: the UI warns, and the form refuses to send it (it says why, in words).
  await app.getByRole('button', { name: 'Edit' }).click();
  await fillItem(app, {
    files: [
      { name: 'big.bin', mimeType: 'application/octet-stream', buffer: Buffer.alloc(1024 * 1024 + 1, 7) },
    ],
  });
  await expect(app.getByText('Larger than 1 MB')).toBeVisible();
  await app.getByRole('button', { name: 'Save changes' }).click();
  const refusal = app.getByRole('alert').filter({ hasText: 'The item was not saved' });
  await expect(refusal).toBeVisible();
  await shot(app, 'vault-attachment-too-large');

  // Swap the big file for a small one. The file the item had is kept by reference and still saves whole.
  await app.getByRole('button', { name: 'Remove big.bin' }).click();
  await fillItem(app, {
    files: [{ name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('second') }],
  });
  await app.getByRole('button', { name: 'Save changes' }).click();
  await expect(app.getByRole('heading', { name: 'Passport scan', level: 2 })).toBeVisible();
  await expect(app.getByRole('button', { name: 'Save notes.txt' })).toBeVisible();
  const again = app.waitForEvent('download');
  await app.getByRole('button', { name: 'Save sheet.txt' }).click();
  expect(readFileSync(await (await again).path()).equals(content)).toBe(true);

  // Remove both; the item keeps no files.
  await app.getByRole('button', { name: 'Edit' }).click();
  await app.getByRole('button', { name: 'Remove sheet.txt' }).click();
  await app.getByRole('button', { name: 'Remove notes.txt' }).click();
  await app.getByRole('button', { name: 'Save changes' }).click();
  await expect(app.getByRole('heading', { name: 'Passport scan', level: 2 })).toBeVisible();
  await expect(app.getByText('sheet.txt')).toHaveCount(0);
});

test('a clipboard the browser refuses is explained, not ignored', async ({ app }) => {
  await app.addInitScript(() => {
    Object.defineProperty(navigator, 'clipboard', {
      value: { writeText: () => Promise.reject(new DOMException('denied', 'NotAllowedError')) },
    });
  });
  await app.reload();
  await createVault(app);
  await addItem(app, { title: 'Router', secret: 'admin-admin' });
  await app.getByRole('button', { name: 'Copy secret' }).click();
  await expect(app.getByRole('alert')).toContainText('Tessera was not allowed to use the clipboard');
});
