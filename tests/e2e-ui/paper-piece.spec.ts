import { readFileSync } from 'node:fs';
import { test, expect, shot, watchPage } from './support/fixtures.ts';
import { befriend, call } from './support/api.ts';
import { goTo, openUnlocked } from './support/flows.ts';
import { waitFor } from '../helpers/wait-for.ts';
import { pdfText } from '../helpers/pdf-text.ts';

const PASS = 'correct horse battery staple';

test('a paper piece: printed from the backup wizard, listed on the Backup screen, and one of three pieces in a recovery with two friends', async ({
  browser,
  startHost,
}) => {
  test.setTimeout(180_000);
  const [aliceHost, bobHost, carolHost, newHost] = await Promise.all([
    startHost(),
    startHost(),
    startHost(),
    startHost(),
  ]);
  const created = await call<{ identity: { peerId: string } }>(aliceHost, 'vault.create', {
    name: 'Alice',
    passphrase: PASS,
  });
  await call(bobHost, 'vault.create', { name: 'Bob', passphrase: PASS });
  await call(carolHost, 'vault.create', { name: 'Carol', passphrase: PASS });
  await call(aliceHost, 'items.create', { title: 'Email', secret: 'alice-email-secret' });
  await befriend(aliceHost, bobHost);
  await befriend(aliceHost, carolHost);

  // Alice backs up to Bob and Carol and one piece on paper; all three are needed.
  const context = await browser.newContext({ viewport: { width: 1024, height: 900 }, acceptDownloads: true });
  const alice = await context.newPage();
  const problems = [watchPage(alice)];
  await openUnlocked(alice, aliceHost.url, PASS);
  await goTo(alice, 'Backup');
  await alice.getByRole('checkbox', { name: /Bob/ }).check();
  await alice.getByRole('checkbox', { name: /Carol/ }).check();
  await alice.getByTestId('paper-count').fill('1');
  await alice.getByRole('button', { name: 'Next' }).click();
  await alice.getByRole('radio', { name: /3 of 3/ }).check();
  await expect(alice.getByTestId('threshold-summary')).toContainText('2 with friends, 1 on paper');
  await alice.getByRole('button', { name: 'Next' }).click();
  await alice.getByRole('button', { name: 'Start backup' }).click();
  const shown = alice.getByTestId('paper-words');
  await expect(shown).toBeVisible({ timeout: 30_000 });
  const words = (await shown.locator('li').allTextContents()).map((w) => w.trim());
  expect(words).toHaveLength(43);
  await shot(alice, 'paper-piece-words');
  const [download] = await Promise.all([
    alice.waitForEvent('download'),
    alice.getByRole('button', { name: 'Print / save PDF' }).click(),
  ]);
  expect(download.suggestedFilename()).toMatch(/^tessera-paper-piece-\d+-\d{4}-\d\d-\d\d\.pdf$/);
  const pdf = readFileSync((await download.path())!);
  expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
  const text = pdfText(pdf);
  for (const w of words) expect(text).toContain(w);
  expect(text).toContain('Backup of Alice');
  expect(text).toContain('Any 3 of the 3 pieces');
  await alice.getByRole('button', { name: 'I have printed it' }).click();

  for (const custodian of [bobHost, carolHost]) {
    await waitFor(
      'the holding request',
      async () => (await call<unknown[]>(custodian, 'requests.list')).length > 0,
    );
    const [request] = await call<{ id: string }[]>(custodian, 'requests.list');
    await call(custodian, 'requests.accept', { id: request!.id });
  }
  await waitFor('both pieces delivered', async () =>
    (await call<{ custodians: { state: string }[] }>(aliceHost, 'backup.status')).custodians.every(
      (c) => c.state === 'delivered',
    ),
  );
  await expect(alice.getByTestId('paper-pages')).toContainText(/Paper piece \d+, printed on \d{4}-\d\d-\d\d/);
  await shot(alice, 'paper-piece-backup-status');
  await aliceHost.stop();

  // A new device: two friends approve, and Alice types her page.
  const device = await (await browser.newContext({ viewport: { width: 1024, height: 900 } })).newPage();
  problems.push(watchPage(device));
  await device.goto(newHost.url);
  await device.getByRole('button', { name: /Recover my vault/ }).click();
  await device.getByLabel('New passphrase', { exact: true }).fill(PASS);
  await device.getByLabel('Type the new passphrase again', { exact: true }).fill(PASS);
  await device.getByRole('button', { name: 'Start recovery' }).click();
  await device.getByText('Show the code as text').click({ timeout: 20_000 });
  const code = await device.getByTestId('recovery-code-text').inputValue();
  const helping = device.getByRole('list', { name: 'Friends helping' });
  for (const [friend, name] of [
    [bobHost, 'Bob'],
    [carolHost, 'Carol'],
  ] as const) {
    const approval = await call<{ id: string; comparisonCode: string }>(friend, 'recovery.approve', {
      code,
      friendPeerId: created.identity.peerId,
    });
    await expect(helping).toContainText(approval.comparisonCode, { timeout: 20_000 });
    await call(friend, 'recovery.confirm', { id: approval.id });
    await expect(helping.locator('li', { hasText: name })).toContainText('Piece received and checked', {
      timeout: 30_000,
    });
    await device.getByRole('button', { name: `${name}'s screen shows ${approval.comparisonCode}` }).click();
  }
  await expect(device.getByTestId('recovery-count')).toContainText('2 of 3 confirmed pieces', {
    timeout: 30_000,
  });

  // A mistyped page is named by its word; then the page as printed.
  const swapped = [...words];
  [swapped[0], swapped[1]] = [words[1]!, words[0]!];
  await device.getByTestId('paper-words-input').fill(swapped.join(' '));
  await device.getByRole('button', { name: 'Add paper piece' }).click();
  await expect(device.getByRole('alert')).toContainText('Words 1 and 2 look swapped');
  await device.getByTestId('paper-words-input').fill(words.map((w, i) => `${i + 1}. ${w}`).join('\n'));
  await device.getByRole('button', { name: 'Add paper piece' }).click();
  await expect(device.getByTestId('recovery-paper')).toContainText('is this your page?');
  await shot(device, 'paper-piece-recovery-added');
  await device.getByRole('button', { name: 'This is my page' }).click();
  await expect(device.getByRole('button', { name: 'Restore this vault' })).toBeVisible({ timeout: 30_000 });
  await shot(device, 'paper-piece-recovery-ready');
  await device.getByRole('button', { name: 'Restore this vault' }).click();
  await waitFor(
    'the vault restored',
    async () => (await call<{ state: string }>(newHost, 'app.status')).state === 'unlocked',
  );
  const items = await call<{ title: string }[]>(newHost, 'items.list', {});
  expect(items.map((i) => i.title)).toEqual(['Email']);
  expect(problems.flat()).toEqual([]);
});
