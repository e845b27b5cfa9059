import type { Browser, Page } from '@playwright/test';
import { test, expect, shot, watchPage } from './support/fixtures.ts';
import { aliceWithBackup, befriend, call } from './support/api.ts';
import { goTo, nextPastRecentlyOnline, openUnlocked } from './support/flows.ts';
import { assertNoJargon } from '../helpers/jargon.ts';

/** Every word on the page is for people: no network or developer words (tests/helpers/jargon.ts). */
async function expectPlainWords(page: Page, where: string): Promise<void> {
  assertNoJargon(await page.locator('body').innerText(), where);
}

const PASS = 'correct horse battery staple';

/**
 * Remote recovery (PROTOCOL §11.7) with short waits set through configuration, as a person could: every custodian's
 * own minimum is lowered to 2 s, and Alice's backup chooses 8 s. The hosts are on loopback, so each friend's reply
 * code carries loopback addresses and the new device reaches them directly; the network-namespace test covers
 * routers and relays.
 */
const HOST_ENV = { TESSERA_MIN_REMOTE_WAIT_MS: '2000', TESSERA_MESH_RETRY_MS: '1000' };
const WAITING_PERIOD_MS = 8_000;

interface Approval {
  id: string;
  state: string;
  comparisonCode: string;
  replyCode?: string;
}

async function openPage(browser: Browser, url: string, problems: string[][]): Promise<Page> {
  const context = await browser.newContext({
    viewport: { width: 1024, height: 760 },
    permissions: ['clipboard-read', 'clipboard-write'],
  });
  const page = await context.newPage();
  problems.push(watchPage(page));
  await page.goto(url);
  return page;
}

/** First run → Recover my vault → "My friends are elsewhere" → passphrase: the code to send, as text. */
async function startRemoteRecovery(device: Page): Promise<string> {
  await device.getByRole('button', { name: /Recover my vault/ }).click();
  await device.getByRole('radio', { name: /My friends are elsewhere/ }).check();
  await device.getByLabel('New passphrase', { exact: true }).fill(PASS);
  await device.getByLabel('Type the new passphrase again', { exact: true }).fill(PASS);
  await shot(device, 'remote-recovery-new-device-start');
  await device.getByRole('button', { name: 'Start recovery' }).click();
  await expect(
    device.getByRole('heading', { name: 'Send this code to each friend who keeps a piece' }),
  ).toBeVisible({ timeout: 20_000 });
  await device.getByRole('button', { name: 'Copy code' }).click();
  await expect(
    device.getByText('Code copied. Send it to your friend through a channel you trust'),
  ).toBeVisible();
  return device.getByTestId('recovery-code-text').inputValue();
}

/** Help a friend recover → paste the code → Alice → Next: the remote approval, with Bob's reply code. */
async function approveRemotely(bob: Page, code: string): Promise<string> {
  await goTo(bob, 'Help a friend recover');
  await bob.getByRole('button', { name: 'Paste the code instead' }).click();
  await bob.getByLabel('Recovery code').fill(code);
  await bob.getByRole('button', { name: 'Next' }).click();
  await expect(bob.getByRole('heading', { name: '2. Who is recovering?' })).toBeVisible({ timeout: 20_000 });
  await bob.getByRole('radio', { name: /Alice/ }).check();
  await nextPastRecentlyOnline(bob);
  const remote = bob.getByTestId('remote-approval');
  const refusal = bob.getByRole('alert');
  await expect(remote.or(refusal)).toBeVisible({ timeout: 30_000 });
  if (await refusal.isVisible()) throw new Error(`approving failed: ${await refusal.textContent()}`);
  await expect(remote).toContainText('Send this reply code to Alice, or read it to them');
  return bob.getByTestId('reply-code-text').inputValue();
}

async function enterReplyCode(device: Page, replyCode: string): Promise<void> {
  await device.getByLabel('Enter a friend’s reply code').fill(replyCode);
  await device.getByRole('button', { name: 'Add reply code' }).click();
  await expect(device.getByText('Reply code added.')).toBeVisible({ timeout: 20_000 });
}

/** Bob's screen and the new device show the same comparison code, which the person confirms on the new device. */
async function compareOnACall(device: Page, bob: Page): Promise<void> {
  await expect(bob.getByRole('heading', { name: '4. Call Alice and compare the code' })).toBeVisible({
    timeout: 30_000,
  });
  const bobCode = (await bob.getByTestId('recovery-comparison-code').textContent()) ?? '';
  expect(bobCode).toMatch(/^\d{6}$/);
  const helping = device.getByRole('list', { name: 'Friends helping' });
  await expect(helping).toContainText('Bob', { timeout: 20_000 });
  await expect(helping).toContainText(bobCode);
  await expect(helping.getByTestId('recovery-call')).toContainText('aloud, on a voice or video call');
  await expect(helping.getByTestId('recovery-custodian-path')).toHaveText('connected directly');
  await shot(bob, 'remote-recovery-custodian-compare');
  await helping.scrollIntoViewIfNeeded();
  await shot(device, 'remote-recovery-new-device-compare');
  await device.getByRole('button', { name: `Bob's screen shows ${bobCode}` }).click();
  await expect(helping).toContainText('Code confirmed', { timeout: 20_000 });
}

test('remote recovery: the new device sends its code, friends send reply codes and compare codes on a call, each piece comes after the waiting period with a countdown on both screens; the vault is back', async ({
  browser,
  startHost,
}) => {
  test.setTimeout(240_000);
  const [aliceOld, bobHost, carolHost, newHost] = await Promise.all(
    [0, 1, 2, 3].map(() => startHost({ env: HOST_ENV })),
  );
  const alicePeerId = await aliceWithBackup(aliceOld!, bobHost!, carolHost!, PASS, {
    waitingPeriodMs: WAITING_PERIOD_MS,
  });
  await aliceOld!.stop(); // Alice's old device is gone.
  const problems: string[][] = [];

  const device = await openPage(browser, newHost!.url, problems);
  const code = await startRemoteRecovery(device);
  await shot(device, 'remote-recovery-new-device-code');

  // Bob enters the code; his Tessera shows a reply code, which Alice types on the new device.
  const bob = await openPage(browser, bobHost!.url, problems);
  await openUnlocked(bob, bobHost!.url, PASS);
  const bobReply = await approveRemotely(bob, code);
  expect(bobReply).toMatch(/^TESSERA-REPLY:/);
  await shot(bob, 'remote-recovery-custodian-reply-code');
  await enterReplyCode(device, bobReply);
  await compareOnACall(device, bob);

  // Bob approves: nothing goes yet; both screens count down to the moment his piece is released.
  await bob.getByRole('button', { name: 'The codes match: approve' }).click();
  await expect(bob.getByTestId('approval-countdown')).toHaveText(/^in \d+ s$/, { timeout: 20_000 });
  await expect(bob.getByTestId('approval-standing')).toContainText('of 2 approvals needed stand');
  await expect(bob.getByRole('button', { name: 'Withdraw' })).toBeVisible();
  await shot(bob, 'remote-recovery-custodian-countdown');
  await expectPlainWords(bob, 'the friend’s countdown');
  const helping = device.getByRole('list', { name: 'Friends helping' });
  await expect(helping.getByTestId('recovery-countdown')).toHaveText(/^in \d+ s$/, { timeout: 20_000 });
  await expect(helping).toContainText("Bob's piece arrives in");
  await shot(device, 'remote-recovery-new-device-countdown');
  await expectPlainWords(device, 'the new device’s countdown');

  // Carol (not on screen) enters the code too; Alice types Carol's reply code and confirms her code here.
  const carolApproval = await call<Approval>(carolHost!, 'recovery.approve', {
    code,
    friendPeerId: alicePeerId,
  });
  expect(carolApproval.replyCode).toMatch(/^TESSERA-REPLY:/);
  await enterReplyCode(device, carolApproval.replyCode!);
  await expect
    .poll(
      async () =>
        (await call<Approval[]>(carolHost!, 'recovery.approvals')).find((a) => a.id === carolApproval.id)
          ?.state,
      { timeout: 30_000 },
    )
    .toBe('awaiting-confirmation');
  const carolCode = (await call<Approval[]>(carolHost!, 'recovery.approvals')).find(
    (a) => a.id === carolApproval.id,
  )!.comparisonCode;
  await expect(helping).toContainText(carolCode, { timeout: 20_000 });
  await device.getByRole('button', { name: `Carol's screen shows ${carolCode}` }).click();
  await call(carolHost!, 'recovery.confirm', { id: carolApproval.id });

  // Once the wait has passed with two approvals standing, both pieces come and the vault opens.
  await expect(bob.getByTestId('remote-approval')).toContainText(
    'Your piece was sent to Alice’s new device.',
    {
      timeout: 60_000,
    },
  );
  const vault = device.getByTestId('recovery-vault');
  await expect(vault).toBeVisible({ timeout: 60_000 });
  await expect(device.getByTestId('recovery-vault-name')).toHaveText('Alice');
  await device.getByRole('button', { name: 'Restore this vault' }).click();
  await expect(device.getByRole('heading', { name: 'Vault', level: 1, exact: true })).toBeVisible({
    timeout: 60_000,
  });
  await expect(device.getByTestId('item-list')).toContainText('Email');
  await shot(device, 'remote-recovery-restored');
  expect(problems.flat()).toEqual([]);
});

test('the owner’s own device is told of a remote recovery and stops it: the new device and the friend say nothing will be sent', async ({
  browser,
  startHost,
}) => {
  test.setTimeout(180_000);
  const [aliceHost, bobHost, carolHost, newHost] = await Promise.all(
    [0, 1, 2, 3].map(() => startHost({ env: HOST_ENV })),
  );
  await aliceWithBackup(aliceHost!, bobHost!, carolHost!, PASS, { waitingPeriodMs: WAITING_PERIOD_MS });
  // Bob and Carol are friends too: Carol, who keeps a piece of Alice's key as well, hears of Bob's approval.
  await befriend(bobHost!, carolHost!);
  const problems: string[][] = [];

  // Alice still has her old device, unlocked, on the Backup screen: it says how long such a recovery waits.
  const alice = await openPage(browser, aliceHost!.url, problems);
  await openUnlocked(alice, aliceHost!.url, PASS);
  await goTo(alice, 'Backup');
  await expect(alice.getByTestId('backup-waiting-period')).toHaveText(
    'A recovery from elsewhere waits 8 s before any piece goes.',
  );

  // Someone else starts a remote recovery of Alice's vault, and Bob is talked into approving it.
  const device = await openPage(browser, newHost!.url, problems);
  const code = await startRemoteRecovery(device);
  const bob = await openPage(browser, bobHost!.url, problems);
  await openUnlocked(bob, bobHost!.url, PASS);
  await enterReplyCode(device, await approveRemotely(bob, code));
  await compareOnACall(device, bob);
  await bob.getByRole('button', { name: 'The codes match: approve' }).click();
  await expect(bob.getByTestId('approval-countdown')).toBeVisible({ timeout: 20_000 });

  // Carol's Holding screen says what Bob's Tessera told hers.
  const carol = await openPage(browser, carolHost!.url, problems);
  await openUnlocked(carol, carolHost!.url, PASS);
  await goTo(carol, 'Holding for friends');
  await expect(carol.getByTestId('friends-recoveries')).toContainText(
    'Bob approved a recovery of Alice’s vault from elsewhere (connected directly)',
    { timeout: 30_000 },
  );
  await shot(carol, 'remote-recovery-friend-holding');

  // Alice's device shows it on every screen, with Stop.
  const banner = alice.getByRole('alert', { name: 'Someone is recovering your vault' });
  await expect(banner).toBeVisible({ timeout: 30_000 });
  await expect(alice.getByTestId('owner-alert')).toContainText('Bob approved (connected directly)');
  await expect(alice.getByTestId('owner-alert')).toContainText('If this is not you, stop it.');
  await goTo(alice, 'Vault');
  await expect(banner).toBeVisible();
  await shot(alice, 'remote-recovery-owner-banner');
  await expectPlainWords(alice, 'the owner’s banner');
  await banner.getByRole('button', { name: 'Stop this recovery' }).click();
  await expect(alice.getByTestId('owner-stopped')).toContainText(/Stopped: [12] of 2 friends told\./, {
    timeout: 20_000,
  });
  await expect(banner).toBeHidden();
  await shot(alice, 'remote-recovery-owner-stopped');

  // Bob's Tessera honours the cancel and tells the new device, which says so prominently.
  await expect(bob.getByTestId('approval-stopped')).toHaveText(
    'Alice’s own device stopped this recovery; nothing will be sent.',
    { timeout: 30_000 },
  );
  await shot(bob, 'remote-recovery-custodian-stopped');
  await expect(carol.getByTestId('friends-recoveries')).toContainText(
    'Alice’s own device stopped a recovery of Alice’s vault that Bob had approved.',
    { timeout: 30_000 },
  );
  await expect(device.getByTestId('recovery-stopped')).toBeVisible({ timeout: 30_000 });
  // Nobody else is asked once it is stopped: the code to send and the reply box are gone.
  await expect(device.getByTestId('recovery-code-text')).toHaveCount(0);
  await expect(device.getByLabel('Enter a friend’s reply code')).toHaveCount(0);
  await device.getByTestId('recovery-stopped').scrollIntoViewIfNeeded();
  await expect(device.getByRole('list', { name: 'Friends helping' })).toContainText(
    "Bob's Tessera says the owner's own device stopped this recovery; nothing will be sent",
  );
  await shot(device, 'remote-recovery-new-device-stopped');
  await expectPlainWords(device, 'the new device, stopped');
  await expectPlainWords(bob, 'the friend, stopped');
  expect(problems.flat()).toEqual([]);
});

test('a friend’s remote approval outlives a restart of their Tessera, and they withdraw it during the wait: nothing is sent', async ({
  browser,
  startHost,
}) => {
  test.setTimeout(180_000);
  const [aliceOld, bobHost, carolHost, newHost] = await Promise.all(
    [0, 1, 2, 3].map(() => startHost({ env: HOST_ENV })),
  );
  await aliceWithBackup(aliceOld!, bobHost!, carolHost!, PASS, { waitingPeriodMs: WAITING_PERIOD_MS });
  await aliceOld!.stop();
  const problems: string[][] = [];

  const device = await openPage(browser, newHost!.url, problems);
  const code = await startRemoteRecovery(device);
  const bob = await openPage(browser, bobHost!.url, problems);
  await openUnlocked(bob, bobHost!.url, PASS);
  await enterReplyCode(device, await approveRemotely(bob, code));
  await compareOnACall(device, bob);
  await bob.getByRole('button', { name: 'The codes match: approve' }).click();
  await expect(bob.getByTestId('approval-countdown')).toBeVisible({ timeout: 20_000 });

  // Bob's Tessera restarts: his approval is still there, and opens again from the list.
  await bobHost!.stop({ keepData: true });
  const bobAgain = await startHost({ dataDir: bobHost!.dataDir, env: HOST_ENV });
  await openUnlocked(bob, bobAgain.url, PASS);
  await goTo(bob, 'Help a friend recover');
  await expect(bob.getByTestId('approvals')).toContainText('Alice');
  await bob.getByRole('button', { name: 'Open the recovery of Alice' }).click();
  await expect(bob.getByRole('heading', { name: 'You approved Alice’s recovery' })).toBeVisible();

  // Bob has second thoughts: he withdraws, and the new device says so.
  await bob.getByRole('button', { name: 'Withdraw' }).click();
  await expect(bob.getByTestId('remote-approval')).toContainText(
    'You withdrew your approval. Nothing was sent.',
    {
      timeout: 20_000,
    },
  );
  await shot(bob, 'remote-recovery-custodian-withdrawn');
  await expect(device.getByRole('list', { name: 'Friends helping' })).toContainText(
    'Bob withdrew during the waiting period; nothing was sent',
    { timeout: 30_000 },
  );
  expect(problems.flat()).toEqual([]);
});
