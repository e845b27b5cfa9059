import { test, expect, shot } from './support/fixtures.ts';
import { addItem, createVault, fillItem } from './support/flows.ts';

// "The paths people actually take": a deleted item can be undone from its notice or restored from the trash, and a
// secret's previous values stay with the item (docs/STORAGE.md, "Trash and secret history").

test('delete then Undo brings the item back; the trash view restores and deletes forever', async ({
  app,
}) => {
  await createVault(app);
  await addItem(app, { title: 'Email', secret: 'hunter2' });
  await addItem(app, { title: 'Bank', secret: '4321' });
  await addItem(app, { title: 'Old router', secret: 'admin' });
  const list = app.getByTestId('item-list');
  await expect(list.getByRole('button')).toHaveCount(3);

  // Delete, then Undo from the notice: the item is back, with its secret, and open.
  await list.getByRole('button', { name: /Email/ }).click();
  await app.getByRole('button', { name: 'Delete', exact: true }).click();
  const dialog = app.getByRole('dialog', { name: 'Delete this item?' });
  await expect(dialog).toContainText('kept in the trash for 30 days');
  await dialog.getByRole('button', { name: 'Delete' }).click();
  const notice = app.getByTestId('notice').filter({ hasText: 'Item deleted' });
  await expect(notice).toContainText('“Email” is in the trash for 30 days.');
  await expect(list.getByRole('button')).toHaveCount(2);
  await shot(app, 'item-deleted-undo');
  await notice.getByRole('button', { name: 'Undo' }).click();
  await expect(app.getByRole('heading', { name: 'Email', level: 2 })).toBeVisible();
  await expect(list.getByRole('button')).toHaveCount(3);
  await app.getByRole('button', { name: 'Reveal secret' }).click();
  await expect(app.getByTestId('secret-value')).toHaveText('hunter2');

  // Delete two; the trash lists them, newest first.
  for (const title of ['Bank', 'Old router']) {
    await list.getByRole('button', { name: new RegExp(title) }).click();
    await app.getByRole('button', { name: 'Delete', exact: true }).click();
    await dialog.getByRole('button', { name: 'Delete' }).click();
    await expect(list.getByRole('button', { name: new RegExp(title) })).toHaveCount(0);
  }
  await app.getByRole('button', { name: 'Trash' }).click();
  await expect(app).toHaveURL(/#\/trash$/);
  await expect(app.getByRole('heading', { name: 'Trash', level: 1, exact: true })).toBeVisible();
  const trash = app.getByTestId('trash-list');
  await expect(trash.getByRole('listitem')).toHaveCount(2);
  await expect(trash.getByRole('listitem').first()).toContainText('Old router');
  await expect(trash.getByRole('listitem').first()).toContainText('Deleted for good');
  await shot(app, 'trash-view');

  // Restore one: it leaves the trash and is in the vault again.
  await app.getByRole('button', { name: 'Restore Bank' }).click();
  await expect(trash.getByRole('listitem')).toHaveCount(1);
  await expect(app.getByTestId('notice').filter({ hasText: 'Item restored' })).toContainText('Bank');

  // Delete forever asks first, then the trash is empty.
  await app.getByRole('button', { name: 'Delete Old router forever' }).click();
  const forever = app.getByRole('dialog', { name: 'Delete this item forever?' });
  await expect(forever).toContainText('This cannot be undone.');
  await shot(app, 'trash-delete-forever');
  await forever.getByRole('button', { name: 'Delete forever' }).click();
  await expect(app.getByTestId('trash-empty')).toBeVisible();

  await app.getByRole('button', { name: '← All items' }).click();
  await expect(list.getByRole('button')).toHaveCount(2);
  await expect(list).toContainText('Bank');
  await expect(list).toContainText('Email');
  await expect(list).not.toContainText('Old router');
});

test('a secret changed twice shows its two previous secrets, newest first, revealed and copied on demand', async ({
  app,
  context,
}) => {
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  await createVault(app);
  await addItem(app, { title: 'Wi-Fi', secret: 'first-secret' });
  // A new item has no history to show.
  await expect(app.getByRole('button', { name: /Previous secrets/ })).toHaveCount(0);

  for (const secret of ['second-secret', 'third-secret']) {
    await app.getByRole('button', { name: 'Edit' }).click();
    await fillItem(app, { secret });
    await app.getByRole('button', { name: 'Save changes' }).click();
    await expect(app.getByRole('heading', { name: 'Wi-Fi', level: 2 })).toBeVisible();
  }
  // An edit that leaves the secret alone adds nothing.
  await app.getByRole('button', { name: 'Edit' }).click();
  await fillItem(app, { notes: 'The router is in the hall.' });
  await app.getByRole('button', { name: 'Save changes' }).click();
  await expect(app.getByTestId('item-notes')).toHaveText('The router is in the hall.');

  const toggle = app.getByRole('button', { name: 'Previous secrets (2)' });
  await expect(toggle).toBeVisible();
  await toggle.click();
  const entries = app.getByTestId('previous-secret');
  await expect(entries).toHaveCount(2);
  // Hidden until asked for, with a fixed number of dots.
  await expect(entries.nth(0).locator('code')).toHaveText('••••••••');
  await entries
    .nth(0)
    .getByRole('button', { name: /^Reveal/ })
    .click();
  await entries
    .nth(1)
    .getByRole('button', { name: /^Reveal/ })
    .click();
  await expect(entries.nth(0).locator('code')).toHaveText('second-secret');
  await expect(entries.nth(1).locator('code')).toHaveText('first-secret');
  await expect(entries.nth(0)).toContainText('Replaced');
  await shot(app, 'item-previous-secrets');

  await entries.nth(1).getByRole('button', { name: /^Copy/ }).click();
  expect(await app.evaluate(() => navigator.clipboard.readText())).toBe('first-secret');

  // The current secret is the newest one.
  await app.getByRole('button', { name: 'Reveal secret' }).click();
  await expect(app.getByTestId('secret-value')).toHaveText('third-secret');
});
