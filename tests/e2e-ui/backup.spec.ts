import { test, expect, shot, watchPage } from './support/fixtures.ts';
import type { Page } from '@playwright/test';
import type { Host } from './support/host.ts';
import { befriend, call } from './support/api.ts';
import { addItem, createVault, goTo, openUnlocked, PASSPHRASE } from './support/flows.ts';

async function openAs(page: Page, host: Host, name: string): Promise<void> {
  await page.goto(host.url);
  await createVault(page, name);
}

test('backup: wizard with guidance, friends accept or decline in Holding, per-friend status, re-share when friends change', async ({
  app: alice,
  host: aliceHost,
  browser,
  startHost,
}) => {
  test.setTimeout(150_000);
  const bobHost = await startHost();
  const carolHost = await startHost();
  const bobContext = await browser.newContext({ viewport: { width: 1024, height: 720 } });
  const carolContext = await browser.newContext({ viewport: { width: 1024, height: 720 } });
  try {
    const bob = await bobContext.newPage();
    const carol = await carolContext.newPage();
    const problems: string[][] = [watchPage(bob), watchPage(carol)];
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
    await expect(alice.getByText(/Bob and Carol will each be asked to keep one piece/)).toBeVisible();
    // How long a recovery from elsewhere waits (PROTOCOL §11.7): 2 days unless Alice chooses; hours are checked.
    await expect(alice.getByRole('radio', { name: '2 days (recommended)' })).toBeChecked();
    await alice.getByRole('radio', { name: 'Another number of hours' }).check();
    await alice.getByLabel('Hours to wait').fill('0');
    await expect(alice.getByText('Enter a whole number of hours from 1 to 720.')).toBeVisible();
    await expect(alice.getByRole('button', { name: 'Start backup' })).toBeDisabled();
    await alice.getByLabel('Hours to wait').fill('36');
    await shot(alice, 'backup-wizard-review');
    await alice.getByRole('button', { name: 'Start backup' }).click();
    await expect(alice.getByTestId('backup-waiting-period')).toHaveText(
      'A recovery from elsewhere waits 36 hours before any piece goes.',
    );

    // Nobody keeps a piece yet, and the summary says so (one rule for summary, bar and table).
    await expect(alice.getByTestId('backup-summary')).toContainText(
      'Your friends cannot restore your vault yet: 2 pieces are needed and 0 of 2 are kept.',
    );
    await expect(alice.getByTestId('custodians')).toContainText('Waiting for their consent');
    await shot(alice, 'backup-status-waiting');

    // The request also arrives as a notice, in its own band under the screen: nothing on the screen is behind it.
    await expect(bob.getByTestId('notice').first()).toContainText('Alice asks you to keep a piece');
    // On a page taller than the window (Settings), so the check is about scrolling, not about a short page.
    await goTo(bob, 'Settings');
    await expect
      .poll(() => bob.evaluate(() => document.querySelector<HTMLElement>('.shell__main')!.scrollHeight))
      .toBeGreaterThan(
        await bob.evaluate(() => document.querySelector<HTMLElement>('.shell__main')!.clientHeight),
      );
    const room = await bob.evaluate(() => {
      const main = document.querySelector<HTMLElement>('.shell__main')!;
      const notices = document.querySelector<HTMLElement>('.notices')!.getBoundingClientRect();
      main.scrollTop = main.scrollHeight;
      const content = main.lastElementChild!.getBoundingClientRect();
      return {
        mainBottom: main.getBoundingClientRect().bottom,
        contentBottom: content.bottom,
        noticesTop: notices.top,
      };
    });
    expect(room.mainBottom).toBeLessThanOrEqual(room.noticesTop);
    expect(room.contentBottom).toBeLessThanOrEqual(room.noticesTop);

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

    // Re-share when custodians change: Dave joins; the wizard recommends 2 of 3 and warns about 3 of 3.
    const daveHost = await startHost();
    try {
      await call(daveHost, 'vault.create', { name: 'Dave', passphrase: PASSPHRASE });
      await befriend(aliceHost, daveHost);
      await alice.getByRole('button', { name: 'Change friends or number needed' }).click();
      await expect(alice.getByRole('heading', { name: 'Who should keep a piece now?' })).toBeVisible();
      await expect(alice.getByRole('checkbox', { name: /Bob/ })).toBeChecked();
      await alice.getByRole('checkbox', { name: /Dave/ }).check();
      await alice.getByRole('button', { name: 'Next' }).click();
      await expect(alice.getByRole('radio', { name: '2 of 3 (recommended)' })).toBeChecked();
      await expect(alice.getByTestId('threshold-warning')).toHaveCount(0);
      await alice.getByRole('radio', { name: '3 of 3' }).check();
      await expect(alice.getByTestId('threshold-warning')).toContainText('All 3 friends will be needed');
      await shot(alice, 'backup-wizard-threshold-all');
      await alice.getByRole('radio', { name: '2 of 3 (recommended)' }).check();
      await alice.getByRole('button', { name: 'Next' }).click();
      await alice.getByRole('button', { name: 'Make new backup' }).click();
      await expect(alice.getByTestId('backup-summary')).toContainText(
        'Any 2 of 3 friends can restore your vault.',
      );
      await expect(alice.getByTestId('custodians').locator('tr', { hasText: 'Dave' })).toContainText(
        'Waiting for their consent',
      );
      // Dave declines in his Holding screen; Alice sees it and is told to choose someone who can.
      const daveContext = await browser.newContext({ viewport: { width: 1024, height: 720 } });
      try {
        const dave = await daveContext.newPage();
        problems.push(watchPage(dave));
        await openUnlocked(dave, daveHost.url);
        await goTo(dave, 'Holding for friends');
        await expect(dave.getByTestId('request')).toContainText(/Alice asks you to keep/, {
          timeout: 20_000,
        });
        await dave.getByRole('button', { name: 'Decline Alice’s request' }).click();
        await expect(dave.getByText('Nothing is waiting for you.')).toBeVisible();
        await expect(dave.getByText('You are not keeping a piece for anyone yet.')).toBeVisible();
      } finally {
        await daveContext.close();
      }
      await expect(alice.getByTestId('custodians').locator('tr', { hasText: 'Dave' })).toContainText(
        'Declined',
        {
          timeout: 30_000,
        },
      );
      await expect(alice.getByTestId('custodians').locator('tr[data-state="delivered"]')).toHaveCount(2, {
        timeout: 30_000,
      });
      await expect(alice.getByRole('status').filter({ hasText: 'Dave cannot be counted on' })).toBeVisible();
      await shot(alice, 'backup-status-reshared');
    } finally {
      await daveHost.stop();
    }
    expect(problems.flat()).toEqual([]);
  } finally {
    await bobContext.close();
    await carolContext.close();
    await bobHost.stop();
    await carolHost.stop();
  }
});
