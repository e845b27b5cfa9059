import { rmSync } from 'node:fs';
import { z } from 'zod';
import { test, expect, shot } from './support/fixtures.ts';
import { createVault, goTo } from './support/flows.ts';
import { preparePreviousRelease, runCliOf } from '../helpers/previous-release.ts';
import { startServe, tempDataDir } from '../helpers/serve-process.ts';
import type { ServeProcess } from '../helpers/serve-process.ts';
import { FAST_MESH_ENV } from '../helpers/cluster.ts';
import { waitFor } from '../helpers/wait-for.ts';

/**
 * Friends on the previous release (PROTOCOL §13.3): the person in the browser (current release) pairs with two
 * friends whose devices run the release named in tests/compat/previous-release.json, built by
 * tests/helpers/previous-release.ts and driven through its own CLI. Their Tessera cannot compare codes, so the
 * friends list and the Backup screen say "NAME needs to update Tessera" and what waits for it, and starting a
 * backup with them says who must update. Skipped, with the reason, where the previous release cannot be built.
 */
const prepared = await preparePreviousRelease((line) => console.log(`# previous release: ${line}`));

const Invite = z.looseObject({ code: z.string() });
const Status = z.looseObject({ addresses: z.array(z.string()) });

test('friends on the previous release: the friends list and the Backup screen say who needs to update', async ({
  app: page,
}) => {
  test.skip(!prepared.ok, prepared.ok ? '' : prepared.reason);
  if (!prepared.ok) return;
  test.setTimeout(150_000);
  const release = prepared.release;
  const oldJson = async <S extends z.ZodType>(dataDir: string, schema: S, args: string[]) => {
    const r = await runCliOf(release.cli, ['--data', dataDir, '--json', ...args], { env: FAST_MESH_ENV });
    expect(r.code, `previous release: tessera ${args.join(' ')}: ${r.stdout} ${r.stderr}`).toBe(0);
    return schema.parse(JSON.parse(r.stdout)) as z.output<S>;
  };
  const serves: ServeProcess[] = [];
  try {
    await createVault(page, 'Nadia');
    for (const name of ['Oscar', 'Otto']) {
      const dataDir = tempDataDir('tessera-previous-ui');
      await oldJson(dataDir, z.unknown(), ['init', '--name', name]);
      serves.push(await startServe({ dataDir, entry: release.cli, env: FAST_MESH_ENV }));
      await waitFor(`${name}'s mesh (previous release) to listen`, async () => {
        const s = await oldJson(dataDir, Status, ['status']);
        return s.addresses.length > 0;
      });

      // Nadia shows her invite, the friend accepts it; then she pastes theirs and holds both (PROTOCOL §8.4).
      await goTo(page, 'Friends');
      const another = page.getByRole('button', { name: 'Add another friend' });
      if (await another.isVisible()) await another.click();
      // The invite stays on screen after the first pairing.
      const show = page.getByRole('button', { name: 'Show my invite' });
      if (await show.isVisible()) await show.click();
      const nadiaInvite = await page.getByTestId('invite-text').inputValue();
      await oldJson(dataDir, z.unknown(), ['pair', nadiaInvite]);
      const theirs = await oldJson(dataDir, Invite, ['invite']);
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
    await shot(page, 'friends-needs-update');

    // The Backup screen (no backup yet: the wizard) says it beside each friend, and starting one says who.
    await goTo(page, 'Backup');
    await expect(page.getByTestId('wizard-needs-update')).toHaveCount(2);
    await expect(page.getByTestId('wizard-needs-update').first()).toContainText(
      /Oscar needs to update Tessera\. Waiting for it: comparing codes, keeping a piece of your backup\./,
    );
    for (const name of ['Oscar', 'Otto'])
      await page.getByRole('checkbox', { name: new RegExp(name) }).check();
    await shot(page, 'backup-needs-update');
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByRole('button', { name: /^Start/ }).click();
    await expect(page.getByRole('alert')).toContainText(
      /(Oscar|Otto) needs to update Tessera: their version cannot compare codes/,
    );
    await shot(page, 'backup-start-needs-update');
  } finally {
    await Promise.all(serves.map((s) => s.stop()));
    for (const s of serves) rmSync(s.dataDir, { recursive: true, force: true });
  }
});
