/**
 * Crash test of the passphrase change (docs/STORAGE.md, "Changing the passphrase"), after store-crash.test.ts: a
 * child process (this same file, run with TESSERA_REKEY_CRASH_CHILD=<dataDir>) changes the passphrase of a vault
 * with large attachments in a loop — passphrase n to n + 1 — and prints each n + 1 once `changePassphrase` returned.
 * The parent SIGKILLs it at random moments (12 times, 60 with TESSERA_FULL=1). After each kill `integrity_check` is
 * ok, exactly one of "last acknowledged" and "the one after" unlocks, and every sealed row (identity, items,
 * attachments, backup split key) opens under the key it unlocks: the old state or the new one, whole.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import Database from 'better-sqlite3';
import { EventBus } from '../../electron/core/event-bus.ts';
import { Store, databasePath } from '../../electron/core/store/store.ts';
import { VaultService } from '../../electron/core/vault/vault-service.ts';
import { WrongPassphraseError } from '../../shared/errors.ts';

const CHILD_ENV = 'TESSERA_REKEY_CRASH_CHILD';
const GEN_ENV = 'TESSERA_REKEY_CRASH_GEN';
const FAST_ENV = { TESSERA_INSECURE_FAST_KDF: '1' };
const ITEMS = 12;
const ATTACHMENT_BYTES = 512 * 1024;

const passphrase = (n: number): string => `crash passphrase number ${n}`;

function openVault(dataDir: string): { store: Store; vault: VaultService } {
  const store = Store.open(databasePath(dataDir));
  return { store, vault: new VaultService(store, new EventBus(), { env: FAST_ENV }) };
}

/** The child: change the passphrase forever, acknowledging each new generation after it returned. */
async function runChild(dataDir: string, generation: number): Promise<void> {
  const { vault } = openVault(dataDir);
  await vault.unlock(passphrase(generation));
  process.stdout.write('ready\n');
  for (let n = generation; ; n++) {
    await vault.changePassphrase(passphrase(n), passphrase(n + 1));
    process.stdout.write(`ack ${n + 1}\n`); // a pipe write: synchronous on Linux, out before the next kill
  }
}

/** One child life: spawn at `generation`, SIGKILL a random 0–700 ms into its loop. The last acknowledged one. */
async function oneRound(dataDir: string, generation: number): Promise<number | null> {
  const child = spawn(process.execPath, [import.meta.filename], {
    env: { ...process.env, ...FAST_ENV, [CHILD_ENV]: dataDir, [GEN_ENV]: String(generation) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let acked: number | null = null;
  let buffered = '';
  let ready!: () => void;
  const isReady = new Promise<void>((resolve) => (ready = resolve));
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => {
    buffered += chunk;
    let nl: number;
    while ((nl = buffered.indexOf('\n')) >= 0) {
      const line = buffered.slice(0, nl);
      buffered = buffered.slice(nl + 1);
      if (line === 'ready') ready();
      else if (line.startsWith('ack ')) acked = Number(line.slice(4));
    }
  });
  const exited = new Promise<NodeJS.Signals | number | null>((resolve) =>
    child.on('exit', (code, signal) => resolve(signal ?? code)),
  );
  await Promise.race([isReady, exited]);
  await sleep(Math.random() * 700);
  child.kill('SIGKILL');
  assert.equal(await exited, 'SIGKILL', 'the child was running (not crashed on its own) when killed');
  return acked;
}

/**
 * Which of `candidates` unlocks the vault (exactly one must), after checking that every sealed row opens under
 * that key: unlock decrypts the identity and every item; get() opens every attachment; the split key is opened.
 */
async function wholeState(dataDir: string, candidates: number[]): Promise<number> {
  const { store, vault } = openVault(dataDir);
  try {
    const opening: number[] = [];
    for (const n of candidates) {
      try {
        await vault.unlock(passphrase(n));
      } catch (err) {
        if (err instanceof WrongPassphraseError) continue;
        throw err;
      }
      opening.push(n);
      const session = vault.requireUnlocked();
      const items = vault.items.list();
      assert.equal(items.length, ITEMS);
      for (const { id } of items) assert.equal(vault.items.get(id).attachments[0]!.size, ATTACHMENT_BYTES);
      const split = store.db.prepare('SELECT split_id, key_sealed FROM backup_splits').get() as {
        split_id: Buffer;
        key_sealed: Buffer;
      };
      assert.equal(
        session.openRow('backup_splits', split.split_id.toString('hex'), split.key_sealed).length,
        32,
      );
      vault.lock();
    }
    assert.equal(opening.length, 1, `exactly one of passphrases ${candidates.join(', ')} opens the vault`);
    return opening[0]!;
  } finally {
    vault.close();
    store.close();
  }
}

const childDir = process.env[CHILD_ENV];
if (childDir) {
  await runChild(childDir, Number(process.env[GEN_ENV]));
} else {
  test('a passphrase change killed at random moments leaves the old state or the new one, whole', async (t) => {
    const kills = process.env.TESSERA_FULL === '1' ? 60 : 12;
    const dataDir = mkdtempSync(join(tmpdir(), 'tessera-rekey-crash-'));
    t.after(() => rmSync(dataDir, { recursive: true, force: true }));

    const setup = openVault(dataDir);
    await setup.vault.create({ name: 'Crash', passphrase: passphrase(0) });
    for (let i = 0; i < ITEMS; i++)
      setup.vault.items.create({
        title: `item ${i}`,
        secret: `secret ${i}`,
        notes: '',
        tags: [],
        attachments: [
          { name: `file ${i}`, mediaType: 'application/octet-stream', data: randomBytes(ATTACHMENT_BYTES) },
        ],
      });
    const splitId = randomBytes(16);
    const session = setup.vault.requireUnlocked();
    setup.store.db
      .prepare('INSERT INTO backup_splits (split_id, threshold, key_sealed, created_at) VALUES (?, 2, ?, 1)')
      .run(splitId, session.sealRow('backup_splits', splitId.toString('hex'), randomBytes(32)));
    setup.vault.close();
    setup.store.close();

    let generation = 0;
    let changesAcked = 0;
    let killedAfterCommitBeforeAck = 0;
    for (let i = 0; i < kills; i++) {
      const acked = await oneRound(dataDir, generation);
      const last = acked ?? generation;
      changesAcked += last - generation;
      const raw = new Database(databasePath(dataDir)); // read-write: SQLite recovers the WAL as the app would
      const integrity = raw.pragma('integrity_check', { simple: true });
      raw.close();
      assert.equal(integrity, 'ok');
      // An acknowledged change is durable; the one in flight either committed whole or not at all.
      const now = await wholeState(dataDir, [last, last + 1]);
      if (now === last + 1) killedAfterCommitBeforeAck++;
      generation = now;
    }
    console.log(
      `passphrase-change crash test: ${kills} SIGKILLs, ${changesAcked} changes acknowledged, ` +
        `${killedAfterCommitBeforeAck} committed but killed before the acknowledgement; every state whole`,
    );
    assert.ok(changesAcked > 0, 'the child completed changes between kills');
  });
}
