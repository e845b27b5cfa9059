import { rmSync } from 'node:fs';
import { z } from 'zod';
import { test, expect, attachShot } from './support/fixtures.ts';
import { createVault, goTo, unlock } from './support/flows.ts';
import { preparePreviousRelease } from '../helpers/previous-release.ts';
import { OldInvite, pairInOrder, previousReleaseDevices } from '../helpers/previous-release-devices.ts';
import type { ServeProcess } from '../helpers/serve-process.ts';
import type { Host } from './support/host.ts';

/**
 * Friends on the previous release (PROTOCOL §13.3): people whose devices run the release named in
 * tests/compat/previous-release.json, built by tests/helpers/previous-release.ts and driven through its own CLI
 * (tests/helpers/previous-release-devices.ts). Their Tessera cannot compare codes, nor take part in the current
 * recovery, so the screens say "NAME needs to update Tessera" and what waits for it:
 * - the person in the browser (current release) pairs with two of them: the friends list and the Backup wizard say
 *   it, and starting a backup with them says who must update;
 * - a backup made while everyone ran the previous release keeps running after the person updates and the friends
 *   do not: the backup status says each custodian must update before helping with a recovery, and does not count
 *   their pieces.
 * Skipped, with the reason, where the previous release cannot be built.
 */
const prepared = await preparePreviousRelease((line) => console.log(`# previous release: ${line}`));

test('friends on the previous release: the friends list and the Backup screen say who needs to update', async ({
  app: page,
}) => {
  test.skip(!prepared.ok, prepared.ok ? '' : prepared.reason);
  if (!prepared.ok) return;
  test.setTimeout(150_000);
  const serves: ServeProcess[] = [];
  const previous = previousReleaseDevices(prepared.release, (serve) => serves.push(serve));
  try {
    await createVault(page, 'Nadia');
    for (const name of ['Oscar', 'Otto']) {
      const { dataDir } = await previous.start(name);
      // Nadia shows her invite, the friend accepts it; then she pastes theirs and holds both (PROTOCOL §8.4).
      await goTo(page, 'Friends');
      const another = page.getByRole('button', { name: 'Add another friend' });
      if (await another.isVisible()) await another.click();
      // The invite stays on screen after the first pairing.
      const show = page.getByRole('button', { name: 'Show my invite' });
      if (await show.isVisible()) await show.click();
      const nadiaInvite = await page.getByTestId('invite-text').inputValue();
      await previous.json(dataDir, z.unknown(), ['pair', nadiaInvite]);
      const theirs = await previous.json(dataDir, OldInvite, ['invite']);
      await page.getByRole('button', { name: 'Paste their invite' }).click();
      await page.getByLabel('Your friend’s invite').fill(theirs.code);
      await page.getByRole('button', { name: 'Add friend' }).click();
      await expect(page.getByText(new RegExp(`You and ${name} are now friends`))).toBeVisible({
        timeout: 20_000,
      });
    }

    // The friends list: each says who must update and what waits, before anyone presses Compare codes.
    await goTo(page, 'Friends');
    for (const name of ['Oscar', 'Otto']) {
      await expect(
        page.getByTestId('friend').filter({ hasText: name }).getByTestId('friend-needs-update'),
      ).toContainText(
        `${name} needs to update Tessera. Waiting for it: comparing codes, keeping a piece of your backup.`,
        {
          timeout: 20_000,
        },
      );
    }
    await page.getByTestId('friend-list').scrollIntoViewIfNeeded();
    await attachShot(page, 'friends-needs-update');

    // The Backup screen (no backup yet: the wizard) says it beside each friend, and starting one says who.
    await goTo(page, 'Backup');
    await expect(page.getByTestId('wizard-needs-update')).toHaveCount(2);
    await expect(page.getByTestId('wizard-needs-update').first()).toContainText(
      /Oscar needs to update Tessera\. Waiting for it: comparing codes, keeping a piece of your backup\./,
    );
    for (const name of ['Oscar', 'Otto'])
      await page.getByRole('checkbox', { name: new RegExp(name) }).check();
    await attachShot(page, 'backup-needs-update');
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByRole('button', { name: /^Start/ }).click();
    await expect(page.getByRole('alert')).toContainText(
      /(Oscar|Otto) needs to update Tessera: their version cannot compare codes/,
    );
    await attachShot(page, 'backup-start-needs-update');
  } finally {
    await Promise.all(serves.map((s) => s.stop()));
    for (const s of serves) rmSync(s.dataDir, { recursive: true, force: true });
  }
});

test('a backup made on the previous release: after the person updates, the status says which custodians must update', async ({
  page,
  startHost,
  pageProblems,
}) => {
  void pageProblems;
  test.skip(!prepared.ok, prepared.ok ? '' : prepared.reason);
  if (!prepared.ok) return;
  test.setTimeout(150_000);
  const serves: ServeProcess[] = [];
  const previous = previousReleaseDevices(prepared.release, (serve) => serves.push(serve));
  let updated: Host | null = null;
  try {
    // Everyone on the previous release: Olivia pairs with Ana and Ben, adds an item and makes a 2-of-2 backup with
    // them, all through that release's own CLI, as the compatibility test does (its "update one at a time" group).
    const [olivia, ana, ben] = await Promise.all([
      previous.start('Olivia'),
      previous.start('Ana'),
      previous.start('Ben'),
    ]);
    await Promise.all([
      pairInOrder(previous.side(olivia), previous.side(ana)),
      pairInOrder(previous.side(ben), previous.side(olivia)),
    ]);
    await previous.json(olivia.dataDir, z.unknown(), ['item', 'add', 'Bank'], 'pin 2468');
    const made = await previous.backupDelivered(olivia, [ana, ben], 2);

    // Olivia updates Tessera, Ana and Ben do not: the current release's serve on her data dir and port (so her
    // friends find her where they knew her), opened in the browser and unlocked as she would.
    await olivia.serve.stop();
    updated = await startHost({ dataDir: olivia.dataDir, listen: olivia.listen });
    await page.goto(updated.url);
    await expect(page.getByRole('heading', { name: 'Unlock your vault' })).toBeVisible();
    await unlock(page);
    await expect(page.getByText('Bank', { exact: true })).toBeVisible();

    // The backup goes on (made before the update), but once her device has met theirs it knows their Tessera
    // predates the current recovery: each would be asked to update before helping (PROTOCOL §11.2), so neither
    // piece counts and the screen says who must update and what waits for it (§13.3).
    await goTo(page, 'Backup');
    const custodians = page.getByTestId('custodians');
    for (const name of ['Ana', 'Ben']) {
      const row = custodians.getByRole('row').filter({ has: page.getByRole('rowheader', { name }) });
      await expect(
        row.getByText(`${name} needs to update Tessera. Waiting for it: helping with a recovery.`, {
          exact: true,
        }),
      ).toBeVisible({ timeout: 30_000 });
      // The badge beside it; the piece they hold is still the version made (held, but not counted).
      await expect(row.getByText(`${name} needs to update Tessera`, { exact: true })).toBeVisible();
      await expect(row.getByRole('cell').nth(1)).toHaveText(String(made.version));
    }
    await expect(page.getByTestId('backup-summary')).toHaveText(
      'Your friends cannot restore your vault yet: 2 pieces are needed and 0 of 2 are kept.',
    );
    await expect(page.getByRole('status').filter({ hasText: 'counted on' })).toHaveText(
      /^(Ana and Ben|Ben and Ana) cannot all be counted on right now\. Ask them to update Tessera: their pieces count again once they have\.$/,
    );
    await custodians.scrollIntoViewIfNeeded();
    await attachShot(page, 'backup-status-needs-update');
  } finally {
    await updated?.stop();
    await Promise.all(serves.map((s) => s.stop()));
    for (const s of serves) rmSync(s.dataDir, { recursive: true, force: true });
  }
});
