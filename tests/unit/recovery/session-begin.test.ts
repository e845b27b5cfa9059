/**
 * Beginning a session (`recovery.start`, PROTOCOL §11.1) on a real store: the first start makes the session with a
 * code valid 24 hours; a later start with the same passphrase opens the same identity and renews the code's
 * lifetime, keeping the code's secret (so a code scanned earlier stays valid); a wrong passphrase changes nothing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WrongPassphraseError } from '../../../shared/errors.ts';
import { generateIdentity } from '../../../shared/crypto/identity.ts';
import { SESSION_TTL_MS } from '../../../electron/core/recovery/session-admission.ts';
import { beginSession } from '../../../electron/core/recovery/session-keys.ts';
import { keptVaultMismatch } from '../../../electron/core/recovery/session-state.ts';
import { sessionStore } from './fixtures.ts';

// The floor scrypt parameters (tests only; kdf.ts accepts exactly "1").
process.env.TESSERA_INSECURE_FAST_KDF = '1';

test('a session begins once, and a later start opens the same identity and renews its code', async (t) => {
  const store = sessionStore(t);
  let now = 1_000;
  const first = await beginSession(store, { passphrase: 'new passphrase', name: 'Ana' }, () => now);
  assert.equal(first.created, true);
  assert.deepEqual(
    [first.row.name, first.row.expiresAt, first.row.createdAt],
    ['Ana', 1_000 + SESSION_TTL_MS, 1_000],
  );

  now = 5_000;
  await assert.rejects(
    beginSession(store, { passphrase: 'another passphrase' }, () => now),
    WrongPassphraseError,
  );
  assert.equal(store.session()!.expiresAt, 1_000 + SESSION_TTL_MS, 'a wrong passphrase changed nothing');

  const again = await beginSession(store, { passphrase: 'new passphrase' }, () => now);
  assert.equal(again.created, false);
  assert.deepEqual(again.keys.signPublic, first.keys.signPublic);
  assert.deepEqual(again.keys.boxSecret, first.keys.boxSecret);
  assert.deepEqual(again.row.secret, first.row.secret, 'the code secret stays: earlier codes stay valid');
  assert.deepEqual([again.row.name, again.row.expiresAt], ['Ana', 5_000 + SESSION_TTL_MS]);
});

test('beside a kept vault only pieces of that same identity may be combined', () => {
  const me = generateIdentity();
  const other = generateIdentity();
  const kept = { name: 'Ana', fingerprint: 'ABCD', signPublic: me.signPublic };
  assert.equal(keptVaultMismatch(null, other.signPublic), null, 'a new device');
  assert.equal(keptVaultMismatch(kept, me.signPublic), null);
  assert.match(
    keptVaultMismatch(kept, other.signPublic)!,
    /for another vault .* not Ana's vault on this device \(ABCD\)/,
  );
});
