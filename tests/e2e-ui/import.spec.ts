import { test, expect, shot } from './support/fixtures.ts';
import { addItem, createVault } from './support/flows.ts';

/** KeePassXC's CSV export, as KeePassXC writes it (quoted header, the 2.6+ columns). */
const KEEPASSXC_CSV = [
  '"Group","Title","Username","Password","URL","Notes","TOTP","Icon","Last Modified","Created"',
  '"Root/Work","Mail","ann","m@il-pass","https://mail.example","work inbox","","0","2024-01-01T10:00:00Z","2023-01-01T10:00:00Z"',
  '"Root","Router","admin","r0uter","http://192.168.1.1","","otpauth://totp/Router?secret=JBSWY3DPEHPK3PXP","0","2024-01-01T10:00:00Z","2023-01-01T10:00:00Z"',
  '"Root/Home","Door code","","","","1234#","","0","2024-01-01T10:00:00Z","2023-01-01T10:00:00Z"',
].join('\n');

/** Bitwarden's CSV export header and one login. */
const BITWARDEN_CSV = [
  'folder,favorite,type,name,notes,fields,reprompt,login_uri,login_username,login_password,login_totp',
  'Social,,login,Mastodon,,,0,https://mastodon.example,ann@example.org,m4st-pass,',
].join('\n');

test('import a KeePassXC CSV: the preview counts the kinds and names the duplicate, logins keep their user name and URL; a foreign file changes nothing', async ({
  app,
}) => {
  await createVault(app);
  await addItem(app, { title: 'Mail', secret: 'm@il-pass' });
  await app.getByRole('button', { name: 'Import / export' }).click();
  await expect(app.getByRole('heading', { name: 'Import and export' })).toBeVisible();

  // A file that is not what it is said to be: named, and nothing changes.
  await app.getByLabel('Bitwarden').check();
  await app.getByLabel('File to import').setInputFiles({
    name: 'keepassxc.csv',
    mimeType: 'text/csv',
    buffer: Buffer.from(KEEPASSXC_CSV),
  });
  await app.getByRole('button', { name: 'Preview' }).click();
  await expect(app.getByRole('alert')).toContainText('unknown columns');

  await app.getByLabel('KeePass / KeePassXC').check();
  await app.getByRole('button', { name: 'Preview' }).click();
  await expect(app.getByTestId('import-summary')).toContainText(
    'KeePassXC CSV: 4 entries found; 3 items will be added',
  );
  // What will be added, by kind, in words: the icons are hidden from screen readers, so the list reads as the words.
  const kinds = app.getByRole('list', { name: 'Items to be added, by kind' });
  await expect(kinds).toMatchAriaSnapshot(`
    - list "Items to be added, by kind":
      - listitem: 1 login
      - listitem: 1 one-time code
      - listitem: 1 note
  `);
  await expect(kinds.locator('svg[aria-hidden="true"]')).toHaveCount(3);
  await expect(kinds.locator('[data-kind="totp"] svg')).toHaveAttribute('data-kind', 'totp');
  // Each entry of the preview says its kind; the duplicate Mail login is named and not counted above.
  await expect(app.getByTestId('import-duplicates')).toContainText('Mail');
  const entries = app.getByTestId('import-preview').locator('.import__items > li');
  await expect(entries).toHaveText([
    /^Mail · Login \[Work\] — already in your vault$/,
    /^Router · Login$/,
    /^Router \(one-time code\) · One-time code$/,
    /^Door code · Note \[Home\]$/,
  ]);
  // User names and URLs fill the login's own fields now (shared/import/entry.ts): nothing goes into the notes.
  await expect(app.getByTestId('import-notes')).toHaveCount(0);
  await shot(app, 'import-preview');
  await app.getByRole('button', { name: 'Import 3 items' }).click();
  await expect(app.getByTestId('item-list').getByRole('button')).toHaveCount(4);
  // In the vault's list too the kind icon is only a picture: screen readers hear the kind in words after the title.
  await expect(
    app.getByTestId('item-list').getByRole('button', { name: /^Router \(one-time code\) One-time code\b/ }),
  ).toHaveCount(1);
  await expect(
    app.getByTestId('item-list').getByRole('button', { name: /^Door code Note Home\b/ }),
  ).toHaveCount(1);
  await shot(app, 'import-done');
  await expect(app.getByTestId('item-list')).toContainText('Router');
  await app
    .getByTestId('item-list')
    .getByRole('button', { name: /^Router(?! \(one-time code\))/ })
    .click();
  await expect(app.getByTestId('item-kind')).toHaveText(/Login/);
  await expect(app.getByTestId('item-username')).toHaveText('admin');
  await expect(app.getByTestId('item-urls')).toContainText('http://192.168.1.1');

  // Drag and drop a Bitwarden CSV.
  await app.getByRole('button', { name: 'Import / export' }).click();
  await app.getByLabel('Bitwarden').check();
  const dataTransfer = await app.evaluateHandle((text) => {
    const dt = new DataTransfer();
    dt.items.add(new File([text], 'bitwarden.csv', { type: 'text/csv' }));
    return dt;
  }, BITWARDEN_CSV);
  await app.getByTestId('import-drop').dispatchEvent('drop', { dataTransfer });
  await expect(app.getByTestId('import-file')).toHaveText('bitwarden.csv');
  await app.getByRole('button', { name: 'Preview' }).click();
  await expect(app.getByTestId('import-summary')).toContainText(
    'Bitwarden CSV: 1 entry found; 1 item will be added',
  );
  await expect(app.getByTestId('import-kinds').getByRole('listitem')).toHaveText(['1 login']);
  await app.getByRole('button', { name: 'Import 1 item' }).click();
  await expect(app.getByTestId('item-list').getByRole('button')).toHaveCount(5);
});
