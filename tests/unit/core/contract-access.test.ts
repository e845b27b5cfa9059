import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TesseraCore } from '../../../electron/core/core.ts';
import { contract, isPublicOp, OP_NAMES } from '../../../shared/api/contract.ts';
import type { OpName } from '../../../shared/api/contract.ts';
import { NoVaultError, VaultLockedError } from '../../../shared/errors.ts';

process.env.TESSERA_INSECURE_FAST_KDF = '1';
process.env.TESSERA_MDNS = '0';

const PASSPHRASE = 'a long passphrase';
const PEER = `12D3KooW${'A'.repeat(44)}`;
const OTHER_PEER = `12D3KooW${'B'.repeat(44)}`;
const ID = 'a'.repeat(32);

/**
 * Arguments each operation's schema accepts, so that a refusal comes from the vault's state and not from the
 * arguments. None of them names anything that exists: where a handler runs, it answers NOT_FOUND, BAD_REQUEST or a
 * harmless success; public ones that would change the state are given arguments that fail (a wrong passphrase).
 */
const ARGS: { [N in OpName]: unknown } = {
  'app.status': {},
  'vault.create': { name: 'Second', passphrase: PASSPHRASE },
  'vault.unlock': { passphrase: 'not the passphrase' },
  'vault.lock': {},
  'vault.rename': { name: 'Renamed' },
  'vault.changePassphrase': { current: 'not the passphrase', next: 'another long passphrase' },
  'vault.keychain.enable': {},
  'vault.keychain.disable': {},
  'items.list': {},
  'items.search': { query: 'mail' },
  'items.get': { id: ID },
  'items.attachment': { id: ID, attachmentId: ID },
  'items.create': { title: 'A title', secret: 'a secret' },
  'items.update': { id: ID, title: 'Another title' },
  'items.delete': { id: ID },
  'items.history': { id: ID },
  'items.trash': {},
  'items.restore': { id: ID },
  'items.purge': { id: ID },
  'friends.invite': {},
  'friends.pair': { code: 'not an invite' },
  'friends.list': {},
  'friends.pending': {},
  'friends.compare': { peerId: PEER },
  'friends.confirm': { peerId: PEER, match: true },
  'friends.rename': { peerId: PEER, nickname: 'Nick' },
  'friends.remove': { peerId: PEER },
  'backup.create': { custodians: [PEER, OTHER_PEER], threshold: 2 },
  'backup.status': {},
  'backup.check': {},
  'held.list': {},
  'requests.list': {},
  'requests.accept': { id: 'holding:nobody' },
  'requests.decline': { id: 'holding:nobody' },
  'recovery.start': { passphrase: PASSPHRASE },
  'recovery.status': {},
  'recovery.cancel': {},
  'recovery.judge': { peerId: PEER, match: true },
  'recovery.finish': {},
  'recovery.approve': { code: 'not a recovery code', friendPeerId: PEER },
  'recovery.confirm': { id: 'recovery:nobody' },
  'recovery.decline': { id: 'recovery:nobody' },
  'recovery.approvals': {},
  'recovery.reply': { code: 'not a reply code' },
  'recovery.watch': {},
  'recovery.stopRemote': { sessionPeerId: OTHER_PEER },
  'settings.get': {},
  'settings.update': { closeToTray: true },
  'items.importPreview': { format: 'bitwarden', dataBase64: btoa('{"items":[]}') },
  'items.importCommit': { token: ID },
  'items.export': { passphrase: 'an export passphrase' },
};

/** Public ops whose handler changes what the next call sees; they run last, or not at all where noted. */
const RUN_LAST: ReadonlySet<OpName> = new Set<OpName>(['vault.lock', 'vault.create', 'recovery.start']);

function ordered(): OpName[] {
  return [...OP_NAMES.filter((op) => !RUN_LAST.has(op)), ...OP_NAMES.filter((op) => RUN_LAST.has(op))];
}

async function openCore(prefix: string): Promise<TesseraCore> {
  const dataDir = mkdtempSync(join(tmpdir(), prefix));
  return TesseraCore.open({ dataDir, listen: ['/ip4/127.0.0.1/tcp/0'] });
}

test('every operation of the contract has arguments here, and they pass its schema', () => {
  assert.deepEqual(Object.keys(ARGS).sort(), [...OP_NAMES].sort());
  for (const op of OP_NAMES) {
    assert.ok(contract[op].input.safeParse(ARGS[op]).success, `${op}: its arguments here must be valid`);
  }
  assert.ok(OP_NAMES.some(isPublicOp) && !OP_NAMES.every(isPublicOp));
});

test('while the vault is locked, every non-public operation is refused with LOCKED and public ones run', async () => {
  const core = await openCore('tessera-access-locked-');
  try {
    const created = await core.dispatch('vault.create', { name: 'Sam', passphrase: PASSPHRASE });
    assert.ok(created.ok);
    assert.ok((await core.dispatch('vault.lock', {})).ok);
    const locked = new VaultLockedError();
    for (const op of ordered()) {
      const envelope = await core.dispatch(op, ARGS[op]);
      if (isPublicOp(op)) {
        // A vault exists, so a public op's own answer is never NO_VAULT, and only the rule says LOCKED.
        const code = envelope.ok ? 'ok' : envelope.error.code;
        assert.ok(code !== 'LOCKED' && code !== 'NO_VAULT', `${op} is public but was refused (${code})`);
      } else {
        assert.deepEqual(
          envelope,
          { ok: false, error: { code: locked.code, message: locked.message } },
          `${op} is not public: refused while locked`,
        );
      }
    }
    // Nothing a refused call asked for happened: the item was not created, the name did not change.
    assert.ok((await core.dispatch('vault.unlock', { passphrase: PASSPHRASE })).ok);
    assert.deepEqual(await core.dispatch('items.list', {}), { ok: true, value: [] });
    const status = await core.dispatch('app.status', {});
    assert.ok(status.ok);
    assert.equal((status.value as { identity: { name: string } }).identity.name, 'Sam');
  } finally {
    await core.close();
  }
});

test('without a vault, every non-public operation is refused with NO_VAULT and public ones run', async () => {
  const core = await openCore('tessera-access-empty-');
  try {
    const absent = new NoVaultError();
    for (const op of ordered()) {
      // recovery.start would begin a session (its own test covers it); vault.create ends the empty state.
      if (op === 'recovery.start' || op === 'vault.create') continue;
      const envelope = await core.dispatch(op, ARGS[op]);
      if (isPublicOp(op)) {
        const code = envelope.ok ? 'ok' : envelope.error.code;
        // vault.unlock answers NO_VAULT itself: there is nothing to unlock.
        if (op !== 'vault.unlock') assert.notEqual(code, 'NO_VAULT', `${op} is public but was refused`);
        assert.notEqual(code, 'LOCKED', `${op} is public but was refused`);
      } else {
        assert.deepEqual(
          envelope,
          { ok: false, error: { code: absent.code, message: absent.message } },
          `${op} is not public: refused without a vault`,
        );
      }
    }
    assert.ok((await core.dispatch('vault.create', { name: 'Sam', passphrase: PASSPHRASE })).ok);
  } finally {
    await core.close();
  }
});

test('while the vault is unlocked, no operation is refused for the vault’s state', async () => {
  const core = await openCore('tessera-access-unlocked-');
  try {
    assert.ok((await core.dispatch('vault.create', { name: 'Sam', passphrase: PASSPHRASE })).ok);
    for (const op of ordered()) {
      const envelope = await core.dispatch(op, ARGS[op]);
      const code = envelope.ok ? 'ok' : envelope.error.code;
      assert.ok(code !== 'LOCKED' && code !== 'NO_VAULT', `${op} was refused while unlocked (${code})`);
    }
  } finally {
    await core.close();
  }
});
