import { test, expect, shot, watchPage } from './support/fixtures.ts';
import type { Page } from '@playwright/test';
import { startHost } from './support/host.ts';
import type { Host } from './support/host.ts';
import { befriend, call } from './support/api.ts';
import { addItem, createVault, goTo, PASSPHRASE } from './support/flows.ts';

async function openAs(page: Page, host: Host, name: string): Promise<void> {
  await page.goto(host.url);
  await createVault(page, name);
}

test('backup with two friends: wizard with guidance, friends accept in Holding, status shows each piece', async ({
  app: alice,
  host: aliceHost,
  browser,
}) => {
  test.setTimeout(150_000);
  const bobHost = await startHost();
  const carolHost = await startHost();
  const bobContext = await browser.newContext({ viewport: { width: 1024, height: 720 } });
  const carolContext = await browser.newContext({ viewport: { width: 1024, height: 720 } });
  try {
    const bob = await bobContext.newPage();
    const carol = await carolContext.newPage();
    const problems = [...watchPage(bob), ...watchPage(carol)];
    await openAs(alice, aliceHost, 'Alice');
    await openAs(bob, bobHost, 'Bob');
    await openAs(carol, carolHost, 'Carol');
    await addItem(alice, { title: 'Email', secret: 'alice-email-secret' });

    // With no friends, the wizard sends Alice to Friends first.
    await goTo(alice, 'Backup');
    await expect(alice.getByText('A backup needs at least two friends')).toBeVisible();

    await befriend(aliceHost, bobHost);
    await befriend(aliceHost, carolHost);

    await goTo(alice, 'Vault');
    await goTo(alice, 'Backup');
    await expect(
      alice.getByRole('heading', { name: 'Who should keep a piece of your recovery key?' }),
    ).toBeVisible();
    await alice.getByRole('checkbox', { name: /Bob/ }).check();
    await alice.getByRole('checkbox', { name: /Carol/ }).check();
    await shot(alice, 'backup-wizard-friends');
    await alice.getByRole('button', { name: 'Next' }).click();
    await expect(alice.getByRole('radio', { name: /2 of 2/ })).toBeChecked();
    await expect(alice.getByTestId('threshold-summary')).toContainText('Any 2 of these 2 friends');
    await expect(alice.getByTestId('threshold-warning')).toContainText(
      'With only 2 friends, both are needed',
    );
    await shot(alice, 'backup-wizard-threshold');
    await alice.getByRole('button', { name: 'Next' }).click();
    await expect(alice.getByText(/Bob, Carol will each be asked to keep one piece/)).toBeVisible();
    await alice.getByRole('button', { name: 'Start backup' }).click();

    await expect(alice.getByTestId('backup-summary')).toContainText(
      'Any 2 of 2 friends can restore your vault.',
    );
    await expect(alice.getByTestId('custodians')).toContainText('Waiting for their consent');
    await shot(alice, 'backup-status-waiting');

    // Bob and Carol see the request (and a badge) and accept it.
    for (const friend of [bob, carol]) {
      await friend.reload();
      await expect(friend.getByRole('navigation', { name: 'Main' })).toContainText('1');
      await goTo(friend, 'Holding for friends');
      await expect(friend.getByTestId('request')).toContainText(/Alice asks you to keep/);
      if (friend === bob) await shot(bob, 'holding-request');
      await friend.getByRole('button', { name: 'Accept Alice’s request' }).click();
      await expect(friend.getByTestId('held')).toContainText('Alice', { timeout: 30_000 });
    }
    await shot(bob, 'holding-list');

    await expect(alice.getByTestId('backup-summary')).toContainText('Every friend is keeping their piece.', {
      timeout: 30_000,
    });
    await expect(alice.getByTestId('custodians').locator('tr[data-state="delivered"]')).toHaveCount(2);
    await alice.getByRole('button', { name: 'Check now' }).click();
    await expect(alice.getByTestId('custodians')).not.toContainText('Not yet', { timeout: 30_000 });
    await expect(alice.getByRole('button', { name: 'Check now' })).toBeEnabled({ timeout: 30_000 });
    await shot(alice, 'backup-status-delivered');

    const status = await call<{ version: number }>(aliceHost, 'backup.status');
    expect(status.version).toBeGreaterThan(0);
    expect(problems).toEqual([]);
    void PASSPHRASE;
  } finally {
    await bobContext.close();
    await carolContext.close();
    await bobHost.stop();
    await carolHost.stop();
  }
});
