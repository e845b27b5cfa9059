import { chromium } from '@playwright/test';
import type { Page } from '@playwright/test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, expect, shot, watchPage } from './support/fixtures.ts';
import { browserArgs, CHROMIUM, fakeCameraArgs } from './support/browser.ts';
import { aliceWithBackup, call } from './support/api.ts';
import {
  createVault,
  fillItem,
  goTo,
  nextPastRecentlyOnline,
  openUnlocked,
  PASSPHRASE,
} from './support/flows.ts';
import { writeQrY4m } from './support/y4m.ts';
import { badCharacter, inviteCode, mistyped, recoveryCode, truncated } from '../helpers/codes.ts';
import { assertNoJargon } from '../helpers/jargon.ts';

/**
 * Codes are checked where they are typed or scanned, and every error a screen shows is a sentence for people
 * (shared/errors.ts): the other kind of code, a wrong or missing character, an expired code, a recovery that has
 * ended, an over-size file, notes over the limit. Each alert is scanned for developer text (tests/helpers/jargon.ts).
 */

/** Every alert on the page, checked for developer text; returns their text. */
async function alertsInWords(page: Page, where: string): Promise<string> {
  const texts = await page.getByRole('alert').allTextContents();
  for (const text of texts) assertNoJargon(text, where);
  return texts.join('\n');
}

const WRONG_INVITES: { what: string; code: () => string; says: RegExp }[] = [
  {
    what: 'a plea',
    code: () => 'please help me',
    says: /This is not a Tessera invite: an invite starts with/,
  },
  { what: 'a recovery code', code: () => recoveryCode(), says: /This is a recovery code, not an invite\./ },
  {
    what: 'a misread character',
    code: () => mistyped(inviteCode()),
    says: /A character is wrong or missing in this invite \(the check digits do not match\)/,
  },
  {
    what: 'a truncated copy',
    code: () => truncated(inviteCode(), 3),
    says: /A character is wrong or missing in this invite \(the check digits do not match\)/,
  },
  {
    what: 'a character no code has',
    code: () => badCharacter(inviteCode()),
    says: /“U” is never part of a Tessera code/,
  },
  {
    what: 'an expired invite',
    code: () => inviteCode({ expiresAt: Date.now() - 3_600_000 }),
    says: /This invite expired at .+\. Ask your friend to show you a new one\./,
  },
];

const WRONG_RECOVERY_CODES: { what: string; code: () => string; says: RegExp }[] = [
  {
    what: 'a plea',
    code: () => 'please help me',
    says: /This is not a Tessera recovery code: a recovery code starts with/,
  },
  { what: 'an invite', code: () => inviteCode(), says: /This is an invite, not a recovery code\./ },
  {
    what: 'a truncated copy',
    code: () => truncated(recoveryCode(), 9),
    says: /A character is wrong or missing in this recovery code \(the check digits do not match\)/,
  },
  {
    what: 'a misread character',
    code: () => mistyped(recoveryCode()),
    says: /the check digits do not match/,
  },
  {
    what: 'an expired code',
    code: () => recoveryCode({ expiresAt: Date.now() - 3_600_000 }),
    says: /This recovery code expired at .+\. Ask your friend to show the current code/,
  },
];

test('a wrong invite is named where it is pasted, in words, and nothing is sent', async ({ app }) => {
  await createVault(app);
  await goTo(app, 'Friends');
  await app.getByRole('button', { name: 'Paste their invite' }).click();
  for (const [i, wrong] of WRONG_INVITES.entries()) {
    await app.getByLabel('Your friend’s invite').fill(wrong.code());
    await app.getByRole('button', { name: 'Add friend' }).click();
    const alert = app.getByRole('alert').filter({ hasText: 'Your friend was not added' });
    await expect(alert, wrong.what).toContainText(wrong.says);
    await expect(app.getByLabel('Your friend’s invite')).toHaveAttribute('aria-invalid', 'true');
    await alertsInWords(app, `the invite field, for ${wrong.what}`);
    if (i === 1) await shot(app, 'codes-invite-is-recovery-code');
    if (i === 2) await shot(app, 'codes-invite-mistyped');
    if (i === 5) await shot(app, 'codes-invite-expired');
  }
  await expect(app.getByTestId('pair-result')).toHaveCount(0);
});

test('a wrong recovery code is named at step 1, before "Who is recovering?"', async ({
  app,
  host,
  startHost,
}) => {
  test.setTimeout(120_000);
  // Bob keeps a piece for Alice (someone who keeps none is told so before any code is asked for).
  const [alice, carol] = await Promise.all([startHost(), startHost()]);
  await aliceWithBackup(alice, host, carol, PASSPHRASE);
  await openUnlocked(app, host.url);
  await goTo(app, 'Help a friend recover');
  await app.getByRole('button', { name: 'Paste the code instead' }).click();
  for (const [i, wrong] of WRONG_RECOVERY_CODES.entries()) {
    await app.getByLabel('Recovery code').fill(wrong.code());
    await app.getByRole('button', { name: 'Next' }).click();
    const alert = app.getByRole('alert').filter({ hasText: 'This code cannot be used' });
    await expect(alert, wrong.what).toContainText(wrong.says);
    await expect(app.getByRole('heading', { name: '2. Who is recovering?' })).toHaveCount(0);
    await alertsInWords(app, `the recovery code field, for ${wrong.what}`);
    if (i === 0) await shot(app, 'codes-recovery-not-a-code');
    if (i === 1) await shot(app, 'codes-recovery-is-invite');
    if (i === 2) await shot(app, 'codes-recovery-truncated');
    if (i === 4) await shot(app, 'codes-recovery-expired');
  }
});

test('a scanned code of the wrong kind is named, and the camera waits for "Scan again"', async ({
  host,
  startHost,
}) => {
  test.setTimeout(120_000);
  const scratch = mkdtempSync(join(tmpdir(), 'tessera-cam-'));
  const y4m = join(scratch, 'code.y4m');
  writeQrY4m(y4m, inviteCode());
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: browserArgs(fakeCameraArgs(y4m)) });
  try {
    const page = await (await browser.newContext({ viewport: { width: 1024, height: 720 } })).newPage();
    const problems = watchPage(page);
    const [alice, carol] = await Promise.all([startHost(), startHost()]);
    await aliceWithBackup(alice, host, carol, PASSPHRASE);
    await openUnlocked(page, host.url);

    // An invite held up to "Help a friend recover" (the camera starts when asked).
    await goTo(page, 'Help a friend recover');
    await page.getByRole('button', { name: 'Scan with camera' }).click();
    await expect(page.getByRole('alert')).toContainText('This is an invite, not a recovery code.', {
      timeout: 30_000,
    });
    await expect(page.getByRole('button', { name: 'Scan again' })).toBeVisible();
    await expect(page.getByRole('heading', { name: '2. Who is recovering?' })).toHaveCount(0);
    await alertsInWords(page, 'the recovery scanner');
    await shot(page, 'codes-recovery-scanned-invite');

    // A recovery code held up to "Add a friend".
    writeQrY4m(y4m, recoveryCode());
    await goTo(page, 'Friends');
    await page.getByRole('button', { name: 'Scan their code' }).click();
    await expect(page.getByRole('alert')).toContainText('This is a recovery code, not an invite.', {
      timeout: 30_000,
    });
    await expect(page.getByRole('button', { name: 'Scan again' })).toBeVisible();
    await alertsInWords(page, 'the invite scanner');
    await shot(page, 'codes-invite-scanned-recovery-code');
    expect(problems).toEqual([]);
  } finally {
    await browser.close();
    rmSync(scratch, { recursive: true, force: true });
  }
});

test('a recovery code whose recovery was cancelled says the recovery has ended, never the socket’s words', async ({
  page,
  pageProblems,
  startHost,
}) => {
  test.setTimeout(180_000);
  void pageProblems;
  const [alice, bob, carol, fresh] = await Promise.all([startHost(), startHost(), startHost(), startHost()]);
  await aliceWithBackup(alice, bob, carol, PASSPHRASE);
  const { code } = await call<{ code: string }>(fresh, 'recovery.start', { passphrase: PASSPHRASE });
  await call(fresh, 'recovery.cancel', {});

  await openUnlocked(page, bob.url);
  await goTo(page, 'Help a friend recover');
  await page.getByRole('button', { name: 'Paste the code instead' }).click();
  await page.getByLabel('Recovery code').fill(code);
  await page.getByRole('button', { name: 'Next' }).click();
  await expect(page.getByRole('heading', { name: '2. Who is recovering?' })).toBeVisible();
  await page.getByRole('radio', { name: /Alice/ }).check();
  await nextPastRecentlyOnline(page);
  await expect(page.getByRole('alert')).toContainText(
    'This recovery has ended or the new device is not reachable; ask for a new code',
    { timeout: 60_000 },
  );
  const text = await alertsInWords(page, 'the approval of an ended recovery');
  expect(text).not.toMatch(/ECONN|127\.0\.0\.1/);
  await shot(page, 'codes-recovery-ended');
});

test('an over-size file and notes over the limit are flagged and never sent; the sentence says what to do', async ({
  app,
  host,
}) => {
  await createVault(app);
  await app.getByRole('button', { name: 'Add item' }).click();
  await fillItem(app, {
    title: 'Passport',
    notes: 'n'.repeat(64 * 1024 + 10),
    files: [
      { name: 'small.txt', mimeType: 'text/plain', buffer: Buffer.from('fine') },
      { name: 'scan.pdf', mimeType: 'application/pdf', buffer: Buffer.alloc(1024 * 1024 + 1, 7) },
    ],
  });
  await expect(app.getByText('Larger than 1 MB')).toBeVisible();
  await expect(app.getByText(/Notes can have at most 65,536 characters/)).toBeVisible();
  await app.getByRole('button', { name: 'Save item' }).click();
  const refusal = app.getByRole('alert').filter({ hasText: 'The item was not saved' });
  await expect(refusal).toContainText('“scan.pdf” is larger than 1 MB, the most Tessera keeps per file.');
  await expect(refusal).toContainText('Notes can have at most 65,536 characters');
  await alertsInWords(app, 'the item editor');
  await shot(app, 'errors-item-too-large');
  expect(await call<unknown[]>(host, 'items.list', {})).toEqual([]);

  // The same call sent anyway (as an older screen would) gets the core's sentence, not zod's.
  const refused = await call(host, 'items.create', {
    title: 'Passport',
    secret: '',
    notes: 'n'.repeat(64 * 1024 + 10),
    attachments: [
      { name: 'small.txt', dataBase64: 'ZmluZQ==' },
      { name: 'scan.pdf', dataBase64: 'A'.repeat(1_400_000) },
    ],
  }).catch((err: Error) => err.message);
  expect(refused).toContain('The file “scan.pdf” is larger than 1 MB');
  assertNoJargon(String(refused).replace(/^items\.create: BAD_REQUEST /, ''), 'the core’s refusal');

  // Fixed: remove the file, shorten the notes; it saves.
  await app.getByRole('button', { name: 'Remove scan.pdf' }).click();
  await fillItem(app, { notes: 'Kept in the drawer.' });
  await app.getByRole('button', { name: 'Save item' }).click();
  await expect(app.getByRole('heading', { name: 'Passport', level: 2 })).toBeVisible();
});
