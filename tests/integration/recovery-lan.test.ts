/**
 * LAN recovery end to end with real `tessera serve` processes (PROTOCOL §11): an owner with a 3-of-5 backup (and a
 * piece she holds for a friend) loses her data dir; a fresh device starts a recovery session; a forged piece arrives
 * and is named; someone who saw the code sends a valid split of an owner key of their own from fresh peer IDs under
 * the names of real friends, and it is never restored (unconfirmed it never counts; confirmed by mistake beside a
 * real piece it is a conflict); an impostor at the session's address and a custodian holding nothing for her are
 * refused; the new device restarts mid-session without losing its piece; three custodians approve (two through the
 * CLI) and the person confirms each one's code; the session shows whose vault it is and restores it only when told;
 * the restored vault equals the original (items, contacts, held shards), re-shares under a new key, and its custodian
 * role works again.
 *
 * Runs across network namespaces on a bridge with mDNS when it can create them (root + `ip netns`), else on loopback;
 * it prints which. TESSERA_RECOVERY_MODE=loopback|netns forces one.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { waitFor } from '../helpers/wait-for.ts';
import { acceptHolding, chooseLan, pair } from './recovery-lan-hosts.ts';
import type { Host, Lan } from './recovery-lan-hosts.ts';
import Database from 'better-sqlite3';
import { databasePath } from '../../electron/core/store/store.ts';
import { fakeOwnerPieces, forgedCustodian, impostorCode, poisoner } from './recovery-lan-peers.ts';
import { decodeRecoveryCode } from '../../shared/protocol/recovery-code.ts';

const PASSPHRASE = 'correct horse battery staple';
const started = Date.now();
const elapsed = () => `${((Date.now() - started) / 1000).toFixed(1)} s`;
const lan: Lan = await chooseLan();
console.log(`# recovery-lan: running on ${lan.mode} (${lan.description})`);
after(async () => {
  await lan.close();
});

type Item = { title: string; secret: string; notes: string; tags: string[] };

async function snapshotOf(h: Host) {
  const list = await h.client.call('items.list', {});
  const items = await Promise.all(list.map((i) => h.client.call('items.get', { id: i.id })));
  const friends = await h.client.call('friends.list', {});
  const held = await h.client.call('held.list', {});
  return {
    items: items
      .map((i) => ({
        id: i.id,
        title: i.title,
        secret: i.secret,
        notes: i.notes,
        tags: i.tags,
        createdAt: i.createdAt,
      }))
      .sort((a, b) => a.id.localeCompare(b.id)),
    friends: friends.map((f) => [f.name, f.peerId]).sort(),
    held: held.map((h) => h.ownerPeerId).sort(),
  };
}

test('LAN recovery: 3 of 5 custodians restore a lost vault', { timeout: 240_000 }, async (t) => {
  const olivia = await lan.startPeer('Olivia');
  const custodians = await Promise.all(['Ana', 'Ben', 'Cai', 'Dee', 'Eli'].map((n) => lan.startPeer(n)));
  const [ana, ben, cai, dee] = custodians as [Host, Host, Host, Host, Host];
  let eli = custodians[4]!;
  for (const c of custodians) await pair(olivia, c);
  await pair(ana, ben);
  await pair(ana, cai);
  console.log(`# paired (${elapsed()})`);

  // Ana keeps a backup with Olivia and Ben: Olivia's own backup then carries the piece she holds for Ana.
  await ana.client.call('backup.create', { custodians: [olivia.peerId, ben.peerId], threshold: 2 });
  await acceptHolding(olivia, ana);
  await acceptHolding(ben, ana);
  await waitFor("Ana's backup delivered", async () =>
    (await ana.client.call('backup.status', {})).custodians.every((c) => c.state === 'delivered'),
  );

  const items: Item[] = [
    { title: 'Bank', secret: 'pin 2468', notes: 'the blue card', tags: ['money'] },
    { title: 'Email', secret: 'hunter2', notes: '', tags: ['web', 'daily'] },
    { title: 'Seed phrase', secret: 'abandon ability able', notes: 'cold wallet', tags: [] },
  ];
  for (const item of items) await olivia.client.call('items.create', item);
  await olivia.client.call('backup.create', { custodians: custodians.map((c) => c.peerId), threshold: 3 });
  for (const c of custodians) await acceptHolding(c, olivia);
  const backedUp = await waitFor('the 3-of-5 backup delivered with the newest version', async () => {
    const s = await olivia.client.call('backup.status', {});
    return s.custodians.length === 5 &&
      s.custodians.every((c) => c.state === 'delivered' && c.versionHeld === s.version)
      ? s
      : null;
  });
  const original = await snapshotOf(olivia);
  // What a custodian knows: Dee's store holds Olivia's signed manifest (the real chunk ids and lengths).
  const deeDb = new Database(databasePath(dee.dataDir), { readonly: true });
  const realManifest = new Uint8Array(
    (
      deeDb.prepare('SELECT manifest FROM held_shards WHERE owner_peer_id = ?').get(olivia.peerId) as {
        manifest: Buffer;
      }
    ).manifest,
  );
  deeDb.close();
  assert.ok(realManifest.length > 0);
  assert.equal(original.items.length, 3);
  assert.deepEqual(original.held, [ana.peerId]);
  console.log(`# backup v${backedUp.version} delivered to 5 (${elapsed()})`);

  // Olivia loses her data dir. Eli is away (offline) until after the recovery.
  await lan.stop(olivia);
  rmSync(olivia.dataDir, { recursive: true, force: true });
  await lan.stop(eli);
  const lostAt = Date.now();

  let fresh = await lan.startFresh('fresh device');
  let code = '';
  await t.test('a fresh device starts a recovery session and shows a code', async () => {
    const start = await fresh.client.call('recovery.start', { passphrase: PASSPHRASE });
    code = start.code;
    assert.match(code, /^TESSERA-RECOVER:[0-9A-Z]+$/);
    assert.equal((await fresh.client.call('app.status', {})).state, 'recovering');
    const status = await fresh.client.call('recovery.status', {});
    assert.equal(status.state, 'collecting');
    assert.deepEqual([status.have, status.need], [0, 0]);
  });

  await t.test(
    'wrong codes, an impostor and a custodian holding nothing are refused; nothing is sent',
    async () => {
      // One character mistyped (always a different one: the third from the end, which may itself be an A).
      const typo = code.at(-3) === 'A' ? 'B' : 'A';
      const garbled = code.slice(0, -3) + typo + code.slice(-2);
      assert.notEqual(garbled, code);
      await assert.rejects(
        ana.client.call('recovery.approve', { code: garbled, friendPeerId: olivia.peerId }),
        (e: { code: string }) => e.code === 'INVALID_CODE',
      );
      await assert.rejects(
        cai.client.call('recovery.approve', { code, friendPeerId: ana.peerId }),
        (e: { code: string; message: string }) =>
          e.code === 'NOT_FOUND' && /hold nothing for Ana/.test(e.message),
      );
      const impostor = await impostorCode(lan, code);
      try {
        const outcome = await ana.client
          .call('recovery.approve', { code: impostor.code, friendPeerId: olivia.peerId })
          .then(
            (approval) => ({ approval, error: null }),
            (error: { code: string; message: string }) => ({ approval: null, error }),
          );
        if (outcome.error) {
          assert.equal(outcome.error.code, 'VERIFICATION_FAILED');
          assert.match(outcome.error.message, /not the one in the code/);
        } else {
          // On a real LAN mDNS also tells Ana the genuine device's address: the pinned peer ID then reaches the
          // genuine session, never the impostor. Ana declines; nothing was sent.
          assert.equal(lan.mode, 'netns', 'on loopback the impostor address is the only one');
          assert.equal(outcome.approval!.sessionPeerId, decodeRecoveryCode(code).peerId);
          await ana.client.call('recovery.decline', { id: outcome.approval!.id });
          console.log('# impostor address bypassed: mDNS led the pinned dial to the genuine session');
        }
      } finally {
        await impostor.stop();
      }
      // Said hello (or said hello and then declined, when mDNS led Ana to the genuine session): no piece arrived.
      const after = await fresh.client.call('recovery.status', {});
      assert.ok(
        after.custodians.every((c) => c.state === 'connected' || c.state === 'declined'),
        'no piece arrived',
      );
    },
  );

  await t.test('a forged piece is named, waits unconfirmed, and is rejected', async () => {
    await forgedCustodian(lan, code, 'Mallory');
    const status = await waitFor('the forged piece to be named', async () => {
      const s = await fresh.client.call('recovery.status', {});
      return s.custodians.some((c) => c.state === 'bad') ? s : null;
    });
    const bad = status.custodians.find((c) => c.state === 'bad')!;
    assert.equal(bad.name, 'Mallory');
    assert.equal(bad.confirmed, false);
    assert.match(bad.problem ?? '', /Mallory's piece did not verify/);
    const after = await fresh.client.call('recovery.judge', { peerId: bad.peerId, match: false });
    assert.equal(after.custodians.find((c) => c.peerId === bad.peerId)?.state, 'rejected');
  });

  await t.test(
    'chunk-pool poisoning: the real chunk ids with junk bytes are kept apart, under their own digests',
    async () => {
      const p = await poisoner(lan, code, 'Dee', realManifest);
      assert.ok(p.chunks > 0);
      const s = await waitFor('the poisoner to be listed', async () => {
        const st = await fresh.client.call('recovery.status', {});
        return st.custodians.some((c) => c.peerId === p.peerId && c.state !== 'connected') ? st : null;
      });
      const listed = s.custodians.find((c) => c.peerId === p.peerId)!;
      assert.equal(listed.name, 'Dee');
      assert.equal(listed.confirmed, false);
      // Left in place (nobody rejects it): the honest custodians deliver later and the restore still succeeds
      // (below), because the session holds the junk under the poisoner's digests, not the real ones, and asks the
      // honest custodians for the real chunks.
      console.log(`# poisoner sent ${p.chunks} junk chunk(s) under the real ids; kept apart (${elapsed()})`);
    },
  );

  let fakes: { name: string; peerId: string; comparisonCode: string }[] = [];
  await t.test(
    'vault substitution: a valid 2-of-2 split of an attacker key from fresh peer IDs never counts unconfirmed',
    async () => {
      fakes = await fakeOwnerPieces(lan, code, 'Olivia', ['Ana', 'Ben']);
      assert.equal(fakes.length, 2);
      const s = await waitFor('both planted pieces to be listed', async () => {
        const st = await fresh.client.call('recovery.status', {});
        return fakes.every((f) => st.custodians.some((c) => c.peerId === f.peerId && c.state === 'verified'))
          ? st
          : null;
      });
      // The pieces are valid (signed by their owner) and complete a 2-of-2 split, yet nothing counts or opens.
      assert.deepEqual([s.have, s.need], [0, 0]);
      assert.equal(s.state, 'collecting');
      assert.equal(s.vault, null);
      for (const f of fakes) {
        const listed = s.custodians.find((c) => c.peerId === f.peerId)!;
        assert.equal(listed.confirmed, false);
        assert.equal(
          listed.comparisonCode,
          f.comparisonCode,
          'the attacker sees the same code, but no friend does',
        );
      }
      console.log(`# planted pieces from ${fakes.length} fresh peer IDs wait unconfirmed (${elapsed()})`);
    },
  );

  await t.test('Ana compares codes, approves, and her piece arrives ("1 of 3")', async () => {
    const approval = await ana.client.call('recovery.approve', { code, friendPeerId: olivia.peerId });
    assert.match(approval.comparisonCode, /^\d{6}$/);
    const requests = await ana.client.call('requests.list', {});
    assert.ok(requests.some((r) => r.kind === 'recovery' && r.id === approval.id && r.from === 'Olivia'));
    const seen = await fresh.client.call('recovery.status', {});
    const listed = seen.custodians.find((c) => c.peerId === ana.peerId);
    assert.equal(listed?.state, 'connected', 'nothing sent before approval');
    assert.equal(listed?.comparisonCode, approval.comparisonCode, 'both screens show the same code');
    const sent = await ana.client
      .call('requests.accept', { id: approval.id })
      .then(() => ana.client.call('recovery.approvals', {}));
    assert.equal(sent.find((a) => a.id === approval.id)?.state, 'sent');
    const unconfirmed = await fresh.client.call('recovery.status', {});
    assert.deepEqual([unconfirmed.have, unconfirmed.need], [0, 0], 'an unconfirmed piece does not count');
    const status = await fresh.client.call('recovery.judge', { peerId: ana.peerId, match: true });
    assert.deepEqual([status.have, status.need], [1, 3]);
    assert.match(status.message, /1 of 3 confirmed pieces: 2 more needed/);
  });

  await t.test(
    'a planted piece confirmed by mistake beside a real one is a conflict, not a restore',
    async () => {
      const conflict = await fresh.client.call('recovery.judge', { peerId: fakes[0]!.peerId, match: true });
      assert.equal(conflict.state, 'conflict');
      assert.equal(conflict.vault, null);
      assert.match(conflict.message, /belong to 2 different people/);
      const resolved = await fresh.client.call('recovery.judge', { peerId: fakes[0]!.peerId, match: false });
      assert.equal(resolved.state, 'collecting');
      assert.deepEqual([resolved.have, resolved.need], [1, 3]);
      // The other planted piece is rejected too; the attacker's peer IDs cannot send again.
      await fresh.client.call('recovery.judge', { peerId: fakes[1]!.peerId, match: false });
    },
  );

  await t.test('the new device restarts mid-session and loses nothing', async () => {
    const before = await fresh.client.call('recovery.status', {});
    fresh = await lan.restart(fresh);
    const resumed = await fresh.client.call('recovery.status', {});
    assert.equal(resumed.state, 'needs-passphrase');
    assert.equal(
      resumed.custodians.filter((c) => c.state === 'received').length,
      2,
      "Ana's and the poisoner's",
    );
    assert.equal(resumed.custodians.filter((c) => c.state === 'rejected').length, 3);
    const again = await fresh.client.call('recovery.start', { passphrase: PASSPHRASE });
    assert.equal(again.sessionPeerId, decodeRecoveryCode(code).peerId);
    const status = await fresh.client.call('recovery.status', {});
    assert.deepEqual([status.have, status.need], [before.have, before.need]);
    code = again.code;
  });

  await t.test(
    'Ben and Cai approve through the CLI; confirmed at 3 of 3, the vault is restored',
    async () => {
      for (const c of [ben, cai]) {
        const r = await lan.cli(c, ['recover', 'approve', code, '--friend', 'Olivia', '--yes']);
        assert.equal(r.code, 0, r.stderr);
        const out = JSON.parse(r.stdout) as { state: string; friend: string; comparisonCode: string };
        assert.equal(out.state, 'sent');
        assert.equal(out.friend, 'Olivia');
        assert.match(r.stderr, new RegExp(`Comparison code: ${out.comparisonCode}`));
        // The person at the new device confirms the code Ben (then Cai) reads out; the name alone would be ambiguous
        // (the attacker used it too), so the CLI is given the peer ID its status lists.
        const confirmed = await lan.cli(fresh, ['recover', 'confirm', c.peerId, '--yes']);
        assert.equal(confirmed.code, 0, confirmed.stderr);
        assert.match(confirmed.stderr, new RegExp(`Code for ${c.name}: ${out.comparisonCode}`));
      }
      const ready = JSON.parse((await lan.cli(fresh, ['recover', 'status'])).stdout) as {
        state: string;
        have: number;
        need: number;
        vault: { name: string; fingerprint: string; friends: string[]; items: number } | null;
      };
      assert.equal(ready.state, 'ready');
      assert.deepEqual([ready.have, ready.need], [3, 3]);
      assert.equal(ready.vault?.name, 'Olivia');
      assert.equal(ready.vault?.items, 3);
      assert.deepEqual(ready.vault?.friends.slice().sort(), ['Ana', 'Ben', 'Cai', 'Dee', 'Eli']);
      assert.equal((await fresh.client.call('app.status', {})).state, 'recovering', 'nothing written yet');
      const finished = await lan.cli(fresh, ['recover', 'finish', '--yes']);
      assert.equal(finished.code, 0, finished.stderr);
      assert.equal((JSON.parse(finished.stdout) as { state: string }).state, 'restored');
      const status = await waitFor(
        'the vault to be restored',
        async () => {
          const s = await fresh.client.call('app.status', {});
          return s.state === 'unlocked' ? s : null;
        },
        60_000,
      );
      assert.equal(status.identity?.peerId, olivia.peerId);
      assert.equal(status.identity?.name, 'Olivia');
      const restored = await snapshotOf(fresh);
      assert.deepEqual(restored, original);
      console.log(`# restored (${elapsed()})`);
    },
  );

  await t.test(
    'it re-shares under a new key to the same 5 custodians, threshold 3; Eli, away, gets his when he is back',
    async () => {
      const delivered = (b: { custodians: { peerId: string; state: string }[] }) =>
        b.custodians.filter((c) => c.state === 'delivered').map((c) => c.peerId);
      const s = await waitFor(
        'the re-share to reach the four who are online',
        async () => {
          const b = await fresh.client.call('backup.status', {});
          return b.configured && b.custodians.length === 5 && delivered(b).length === 4 ? b : null;
        },
        90_000,
      );
      assert.equal(s.threshold, 3);
      assert.deepEqual(s.custodians.map((c) => c.peerId).sort(), custodians.map((c) => c.peerId).sort());
      assert.ok(!delivered(s).includes(eli.peerId), 'Eli is listed, waiting');

      eli = await lan.restart(eli);
      await waitFor(
        'Eli to receive his new piece',
        async () => delivered(await fresh.client.call('backup.status', {})).length === 5,
        90_000,
      );
      for (const c of [ana, ben, cai, dee, eli]) {
        const held = (await c.client.call('held.list', {})).filter((h) => h.ownerPeerId === olivia.peerId);
        assert.equal(held.length, 1, `${c.name} holds exactly one piece for Olivia`);
        assert.ok(held[0]!.since > lostAt, `${c.name}'s piece is the new one`);
      }
      console.log(`# re-shared, Eli included after his return (${elapsed()})`);
    },
  );

  await t.test("its custodian role works again: Ana's next version reaches it", async () => {
    await ana.client.call('items.create', { title: 'Ana after', secret: 'x' });
    await waitFor(
      "the restored device to hold Ana's new version",
      async () => {
        const held = await fresh.client.call('held.list', {});
        return held.some((h) => h.ownerPeerId === ana.peerId && h.version > 0);
      },
      60_000,
    );
    const anaStatus = await ana.client.call('backup.status', {});
    assert.ok(anaStatus.custodians.some((c) => c.peerId === olivia.peerId && c.state === 'delivered'));
    console.log(`# custodian role resumed (${elapsed()})`);
  });
});
