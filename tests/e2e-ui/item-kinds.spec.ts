/**
 * Item kinds in the browser UI against a real `tessera serve` (shared/items/kinds.ts): a login saved with a
 * generated password, a one-time code that ticks over a period boundary (a 2-second period, which otpauth:// allows)
 * and matches RFC 6238 computed here with node:crypto, read from a pasted address and from a QR code image, and a
 * seed phrase whose BIP-39 checksum fails showing its warning. Screenshots of each are attached to the test.
 */
import { createHmac } from 'node:crypto';
import encodeQR from '@paulmillr/qr';
import { base32 } from '@scure/base';
import type { Page } from '@playwright/test';
import { test, expect, attachShot } from './support/fixtures.ts';
import { createVault } from './support/flows.ts';

async function startItem(page: Page, kind: string, title: string): Promise<void> {
  await page.getByRole('button', { name: 'Add item' }).click();
  await expect(page.getByRole('heading', { name: 'Add an item' })).toBeVisible();
  await page.getByLabel('Kind').selectOption({ label: kind });
  await page.getByLabel('Title').fill(title);
}

const KEY_BYTES = Buffer.from('12345678901234567890');
const KEY = base32.encode(KEY_BYTES).replace(/=+$/, '');

/** RFC 6238 §4 (HMAC-SHA-1, RFC 4226 §5.3 truncation), 6 digits, `period`-second steps. */
function rfc6238(ms: number, period: number): string {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(ms / 1000 / period)));
  const mac = createHmac('sha1', KEY_BYTES).update(counter).digest();
  const offset = mac[19]! & 0xf;
  return String((mac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000).padStart(6, '0');
}

/** The code on screen, without the space that splits it in two halves. */
/**
 * The code on screen with the times around its reading. The screen re-reads the clock every 250 ms
 * (TotpCode.tsx), so just after a period boundary it may still show the code of the period before: `before` is
 * taken that much earlier (and some room for the render), and the code must be RFC 6238's at `before` or `after`.
 */
const SCREEN_LAG_MS = 500;
async function shownCode(page: Page): Promise<{ code: string; before: number; after: number }> {
  const before = Date.now() - SCREEN_LAG_MS;
  const code = (await page.getByTestId('totp-code').innerText()).replace(/\s/g, '');
  return { code, before, after: Date.now() };
}

test('a login with a generated password: user name, addresses, the generator settings, reveal and copy', async ({
  app,
  context,
}) => {
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  await createVault(app);
  await startItem(app, 'Login', 'Mail');
  await app.getByLabel('User name').fill('sam@mail.test');
  await app.getByRole('textbox', { name: 'Web address 1' }).fill('mail.test');
  await app.getByRole('button', { name: 'Add another address' }).click();
  await app.getByRole('textbox', { name: 'Web address 2' }).fill('https://webmail.test/login');

  // A passphrase first: words of the BIP-39 English list.
  await app.getByText('Generator settings').click();
  await app.getByLabel('Words (passphrase)').check();
  await app.getByLabel('Words', { exact: true }).fill('5');
  await app.getByRole('button', { name: 'Generate' }).click();
  const phrase = await app.getByLabel('Password', { exact: true }).inputValue();
  expect(phrase.split('-')).toHaveLength(5);
  expect(phrase).toMatch(/^[a-z]+(-[a-z]+){4}$/);

  // Then a password of 32 letters and digits, no symbols.
  await app.getByLabel('Characters').check();
  await app.getByLabel('Length').fill('32');
  await app.getByLabel('Symbols (!#$…)').uncheck();
  await app.getByRole('button', { name: 'Generate' }).click();
  const password = await app.getByLabel('Password', { exact: true }).inputValue();
  expect(password).toHaveLength(32);
  expect(password).toMatch(/^[A-Za-z0-9]+$/);
  for (const set of [/[a-z]/, /[A-Z]/, /[0-9]/]) expect(password).toMatch(set);
  await attachShot(app, 'item-kinds-login-editor');

  await app.getByRole('button', { name: 'Save item' }).click();
  await expect(app.getByRole('heading', { name: 'Mail', level: 2 })).toBeVisible();
  await expect(app.getByTestId('item-kind')).toHaveText(/Login/);
  await expect(app.getByTestId('item-username')).toHaveText('sam@mail.test');
  await expect(app.getByTestId('item-urls').getByRole('link')).toHaveText([
    'mail.test',
    'https://webmail.test/login',
  ]);
  await expect(app.getByRole('link', { name: 'mail.test', exact: true })).toHaveAttribute(
    'href',
    'https://mail.test',
  );
  await expect(app.getByTestId('secret-value')).toHaveText('••••••••');
  await app.getByRole('button', { name: 'Reveal password' }).click();
  await expect(app.getByTestId('secret-value')).toHaveText(password);
  await app.getByRole('button', { name: 'Copy user name' }).click();
  expect(await app.evaluate(() => navigator.clipboard.readText())).toBe('sam@mail.test');
  await app.getByRole('button', { name: 'Copy password' }).click();
  expect(await app.evaluate(() => navigator.clipboard.readText())).toBe(password);
  await expect(app.getByTestId('item-list').locator('[data-kind="login"]')).toHaveCount(1);
  await attachShot(app, 'item-kinds-login');
});

test('a one-time code ticks over a period boundary, matches RFC 6238, and is read from a QR code image', async ({
  app,
}) => {
  await createVault(app);
  await startItem(app, 'One-time code', 'Mail code');
  const field = app.getByLabel('otpauth:// address or setup key');
  await field.fill('hello');
  await expect(app.getByText(/needs an otpauth:\/\/ address/)).toBeVisible();
  const uri = `otpauth://totp/Mail:sam?secret=${KEY}&issuer=Mail&period=2`;
  await field.fill(uri);
  await expect(app.getByTestId('totp-code')).toBeVisible();
  await app.getByRole('button', { name: 'Save item' }).click();
  await expect(app.getByRole('heading', { name: 'Mail code', level: 2 })).toBeVisible();
  await expect(app.getByTestId('item-kind')).toHaveText(/One-time code/);

  // The code shown is RFC 6238's for the time it was read.
  const first = await shownCode(app);
  expect([rfc6238(first.before, 2), rfc6238(first.after, 2)]).toContain(first.code);
  await expect(app.getByTestId('totp-remaining')).toHaveText(/^[12] s$/);
  await attachShot(app, 'item-kinds-totp');
  // Within two periods the code changes, and the new one is RFC 6238's too.
  await expect(app.getByTestId('totp-code')).not.toHaveText(first.code.replace(/^(\d{3})/, '$1 '), {
    timeout: 5000,
  });
  const second = await shownCode(app);
  expect(second.code).not.toBe(first.code);
  expect([rfc6238(second.before, 2), rfc6238(second.after, 2)]).toContain(second.code);

  // A 30-second code's countdown goes down second by second.
  await startItem(app, 'One-time code', 'Chat code');
  const qr = encodeQR(`otpauth://totp/Chat:sam?secret=${KEY}&issuer=Chat`, 'gif', { scale: 8 });
  await app.getByTestId('otpauth-image').setInputFiles({
    name: 'qr.gif',
    mimeType: 'image/gif',
    buffer: Buffer.from(qr),
  });
  await expect(app.getByLabel('otpauth:// address or setup key')).toHaveValue(
    `otpauth://totp/Chat:sam?secret=${KEY}&issuer=Chat`,
  );
  await app.getByRole('button', { name: 'Save item' }).click();
  await expect(app.getByRole('heading', { name: 'Chat code', level: 2 })).toBeVisible();
  const remaining = async () =>
    Number((await app.getByTestId('totp-remaining').innerText()).replace(' s', ''));
  const start = await remaining();
  await expect.poll(remaining, { timeout: 5000 }).not.toBe(start);
  const later = await remaining();
  // Either it went down, or it crossed the boundary and started again at 30.
  expect(later < start || later === 30).toBe(true);
  const chat = await shownCode(app);
  expect([rfc6238(chat.before, 30), rfc6238(chat.after, 30)]).toContain(chat.code);
});

test('a seed phrase whose checksum fails shows the warning and is saved anyway; a valid one verifies', async ({
  app,
}) => {
  await createVault(app);
  const valid = 'legal winner thank year wave sausage worth useful legal winner thank yellow';
  await startItem(app, 'Seed phrase', 'Wallet');
  await app.getByLabel('Seed phrase').fill(valid);
  await expect(app.getByTestId('seed-ok')).toHaveText('12 words; the BIP-39 checksum verifies.');
  await app.getByRole('button', { name: 'Save item' }).click();
  await expect(app.getByRole('heading', { name: 'Wallet', level: 2 })).toBeVisible();
  await expect(app.getByTestId('seed-ok')).toBeVisible();

  const swapped = 'winner legal thank year wave sausage worth useful legal winner thank yellow';
  await startItem(app, 'Seed phrase', 'Old wallet');
  await app.getByLabel('Seed phrase').fill(swapped);
  await expect(app.getByTestId('seed-warning')).toContainText('The BIP-39 checksum does not verify');
  await attachShot(app, 'item-kinds-seed-editor');
  await app.getByRole('button', { name: 'Save item' }).click();
  await expect(app.getByRole('heading', { name: 'Old wallet', level: 2 })).toBeVisible();
  await expect(app.getByTestId('seed-warning')).toContainText('saved as you typed it');
  await app.getByRole('button', { name: 'Reveal seed phrase' }).click();
  await expect(app.getByTestId('secret-value')).toHaveText(swapped);
  await attachShot(app, 'item-kinds-seed');
});
