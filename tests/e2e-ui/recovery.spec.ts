import { chromium } from '@playwright/test';
import type { Page } from '@playwright/test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, expect, shot, watchPage } from './support/fixtures.ts';
import { browserArgs, CHROMIUM, fakeCameraArgs } from './support/browser.ts';
import type { Host } from './support/host.ts';
import { aliceWithBackup } from './support/api.ts';
import { goTo, nextPastRecentlyOnline, openUnlocked } from './support/flows.ts';
import { writeQrY4m } from './support/y4m.ts';

const PASS = 'correct horse battery staple';

async function helpRecover(page: Page, how: 'camera' | 'paste', code: string): Promise<string> {
  await goTo(page, 'Help a friend recover');
  // The camera starts only when asked.
  if (how === 'camera') await page.getByRole('button', { name: 'Scan with camera' }).click();
  if (how === 'paste') {
    await page.getByRole('button', { name: 'Paste the code instead' }).click();
    await page.getByLabel('Recovery code').fill(code);
    await page.getByRole('button', { name: 'Next' }).click();
  }
  await expect(page.getByRole('heading', { name: '2. Who is recovering?' })).toBeVisible({ timeout: 20_000 });
  await page.getByRole('radio', { name: /Alice/ }).check();
  await nextPastRecentlyOnline(page);
  const compare = page.getByRole('heading', { name: /3\. Compare the code with Alice/ });
  const refusal = page.getByRole('alert');
  await expect(compare.or(refusal)).toBeVisible({ timeout: 30_000 });
  if (await refusal.isVisible()) throw new Error(`approving failed: ${await refusal.textContent()}`);
  return (await page.getByTestId('recovery-comparison-code').textContent()) ?? '';
}

test('recovery on a new device: it shows a code, friends scan/paste it and compare codes, it survives a restart, a mismatch sends nothing; the vault is back', async ({
  browser,
  startHost,
}) => {
  test.setTimeout(180_000);
  const [aliceOld, bobHost, carolHost, newHost] = await Promise.all([
    startHost(),
    startHost(),
    startHost(),
    startHost(),
  ]);
  let restartedHost: Host | undefined;
  const scratch = mkdtempSync(join(tmpdir(), 'tessera-cam-'));
  const cameraBrowser = await chromium.launch({
    executablePath: CHROMIUM,
    args: browserArgs(fakeCameraArgs(join(scratch, 'recovery.y4m'))),
  });
  try {
    await aliceWithBackup(aliceOld, bobHost, carolHost, PASS);
    await aliceOld.stop(); // Alice's old device is gone.

    // The new device: first run → Recover my vault → new passphrase → a code to scan.
    const deviceContext = await browser.newContext({ viewport: { width: 1024, height: 720 } });
    const device = await deviceContext.newPage();
    const problems: string[][] = [watchPage(device)];
    await device.goto(newHost.url);
    await device.getByRole('button', { name: /Recover my vault/ }).click();
    await expect(device.getByRole('heading', { name: 'Recover my vault' })).toBeVisible();
    await device.getByLabel('New passphrase', { exact: true }).fill(PASS);
    await device.getByLabel('Type the new passphrase again', { exact: true }).fill(PASS);
    await shot(device, 'recovery-new-device-start');
    await device.getByRole('button', { name: 'Start recovery' }).click();
    await expect(device.getByRole('img', { name: 'Recovery code for your friends to scan' })).toBeVisible({
      timeout: 20_000,
    });
    await device.getByText('Show the code as text').click();
    const code = await device.getByTestId('recovery-code-text').inputValue();
    await shot(device, 'recovery-new-device-code');

    // Bob scans the code with his camera (a fake camera showing the new device's QR code).
    writeQrY4m(join(scratch, 'recovery.y4m'), code);
    const bobContext = await cameraBrowser.newContext({ viewport: { width: 1024, height: 720 } });
    const bob = await bobContext.newPage();
    problems.push(watchPage(bob));
    await openUnlocked(bob, bobHost.url, PASS);
    const bobCode = await helpRecover(bob, 'camera', code);
    await shot(bob, 'recovery-custodian-compare');
    // The new device shows the same code next to Bob's name.
    await expect(device.getByRole('list', { name: 'Friends helping' })).toContainText('Bob', {
      timeout: 20_000,
    });
    await expect(device.getByRole('list', { name: 'Friends helping' })).toContainText(bobCode);
    await bob.getByRole('button', { name: 'The codes match: send my piece' }).click();
    await expect(bob.getByTestId('approval-result')).toContainText(
      'Your piece was sent to Alice’s new device.',
      {
        timeout: 30_000,
      },
    );
    // Bob's piece arrived, but counts only once the person here confirms Bob's code (PROTOCOL §11.4).
    const helping = device.getByRole('list', { name: 'Friends helping' });
    await expect(helping).toContainText('Piece received and checked', { timeout: 30_000 });
    await expect(device.getByTestId('recovery-count')).toContainText('0 confirmed pieces');
    await shot(device, 'recovery-new-device-unconfirmed');
    await device.getByRole('button', { name: `Bob's screen shows ${bobCode}` }).click();
    await expect(device.getByTestId('recovery-count')).toContainText('1 of 2 confirmed pieces', {
      timeout: 30_000,
    });
    await shot(device, 'recovery-new-device-progress');

    // The new device restarts mid-recovery: it asks for the passphrase again and keeps the piece it has.
    await newHost.stop({ keepData: true });
    const restarted = await startHost({ dataDir: newHost.dataDir });
    restartedHost = restarted;
    await device.goto(restarted.url);
    await expect(device.getByRole('heading', { name: 'Recovering your vault' })).toBeVisible();
    await expect(device.getByText(/Tessera was restarted during your recovery/)).toBeVisible();
    await shot(device, 'recovery-new-device-restarted');
    await device.getByLabel('Passphrase', { exact: true }).fill('not the passphrase');
    await device.getByRole('button', { name: 'Continue recovery' }).click();
    await expect(device.getByRole('alert')).toContainText('Recovery did not start');
    await device.getByLabel('Passphrase', { exact: true }).fill(PASS);
    await device.getByRole('button', { name: 'Continue recovery' }).click();
    await expect(device.getByTestId('recovery-count')).toContainText('1 of 2 confirmed pieces', {
      timeout: 30_000,
    });
    await device.getByText('Show the code as text').click();
    const codeAfterRestart = await device.getByTestId('recovery-code-text').inputValue();

    // Carol pastes the code as text.
    const carolContext = await browser.newContext({ viewport: { width: 1024, height: 720 } });
    const carol = await carolContext.newPage();
    problems.push(watchPage(carol));
    await openUnlocked(carol, carolHost.url, PASS);
    // Carol first says the codes do not match: nothing is sent. Then she scans again and sends.
    await helpRecover(carol, 'paste', codeAfterRestart);
    await carol.getByRole('button', { name: 'They do not match' }).click();
    await expect(carol.getByTestId('approval-result')).toContainText('Nothing was sent.');
    // The new device is told at once (a withdraw, PROTOCOL §11.3): it no longer waits for Carol to approve.
    await expect(device.getByRole('list', { name: 'Friends helping' })).toContainText(
      'Carol said the codes did not match; nothing was sent',
      { timeout: 20_000 },
    );
    await shot(device, 'recovery-new-device-declined');
    await carol.getByRole('button', { name: 'Done' }).click();
    const carolCode = await helpRecover(carol, 'paste', codeAfterRestart);
    await expect(device.getByRole('list', { name: 'Friends helping' })).toContainText(carolCode, {
      timeout: 20_000,
    });
    await carol.getByRole('button', { name: 'The codes match: send my piece' }).click();
    await expect(carol.getByTestId('approval-result')).toContainText('Your piece was sent', {
      timeout: 30_000,
    });
    await device.getByRole('button', { name: `Carol's screen shows ${carolCode}` }).click();

    // Before anything is written, the new device shows whose vault the confirmed pieces open.
    const vault = device.getByTestId('recovery-vault');
    await expect(vault).toBeVisible({ timeout: 30_000 });
    await expect(device.getByTestId('recovery-vault-name')).toHaveText('Alice');
    await expect(vault).toContainText('Bob, Carol');
    await shot(device, 'recovery-new-device-whose-vault');
    await device.getByRole('button', { name: 'Restore this vault' }).click();

    // The new device restores the vault and opens it.
    await expect(device.getByRole('heading', { name: 'Vault', level: 1, exact: true })).toBeVisible({
      timeout: 60_000,
    });
    await expect(device.getByTestId('owner-name')).toHaveText('Alice');
    await expect(device.getByTestId('item-list')).toContainText('Email');
    await shot(device, 'recovery-restored-vault');
    expect(problems.flat()).toEqual([]);
    await bobContext.close();
    await carolContext.close();
    await deviceContext.close();
  } finally {
    await cameraBrowser.close();
    for (const host of [restartedHost, aliceOld, bobHost, carolHost, newHost]) await host?.stop();
    rmSync(scratch, { recursive: true, force: true });
  }
});
