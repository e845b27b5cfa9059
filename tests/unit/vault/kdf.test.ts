import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  DEFAULT_SCRYPT,
  FLOOR_SCRYPT,
  checkScryptParams,
  deriveKey,
  paramsForNewKey,
} from '../../../electron/core/vault/kdf.ts';
import { unwrapWithPassphrase, wrapWithPassphrase } from '../../../electron/core/vault/key-wrap.ts';
import { KdfParamsError } from '../../../electron/core/vault/errors.ts';
import { WrongPassphraseError } from '../../../shared/errors.ts';

test('new keys use scrypt N=2^17 r=8 p=1 unless TESSERA_INSECURE_FAST_KDF=1 is set explicitly', () => {
  assert.deepEqual(DEFAULT_SCRYPT, { logN: 17, r: 8, p: 1 });
  assert.deepEqual(paramsForNewKey({}), DEFAULT_SCRYPT);
  assert.deepEqual(paramsForNewKey({ TESSERA_INSECURE_FAST_KDF: 'true' }), DEFAULT_SCRYPT);
  assert.deepEqual(paramsForNewKey({ TESSERA_INSECURE_FAST_KDF: '0' }), DEFAULT_SCRYPT);
  // The fast path is the floor, never weaker.
  assert.deepEqual(paramsForNewKey({ TESSERA_INSECURE_FAST_KDF: '1' }), FLOOR_SCRYPT);
  assert.equal(FLOOR_SCRYPT.logN, 14);
});

test('parameters below the floor or above the ceiling are refused before any work', async () => {
  for (const bad of [
    { logN: 10, r: 8, p: 1 },
    { logN: 13, r: 8, p: 1 },
    { logN: 21, r: 8, p: 1 },
    { logN: 17, r: 1, p: 1 },
    { logN: 17, r: 8, p: 0 },
    { logN: 17, r: 8, p: 64 },
    { logN: 20, r: 16, p: 1 }, // 2 GiB
    { logN: 17.5, r: 8, p: 1 },
  ]) {
    assert.throws(() => checkScryptParams(bad), KdfParamsError, JSON.stringify(bad));
    await assert.rejects(deriveKey('x', Buffer.alloc(16), bad), KdfParamsError);
  }
  assert.doesNotThrow(() => checkScryptParams(DEFAULT_SCRYPT));
  assert.doesNotThrow(() => checkScryptParams(FLOOR_SCRYPT));
});

test('scrypt derives the RFC 7914 test vector (the KDF is really scrypt)', async () => {
  // RFC 7914 §12: P="pleaseletmein", S="SodiumChloride", N=16384, r=8, p=1, dkLen=64 (first 32 bytes here).
  const key = await deriveKey('pleaseletmein', Buffer.from('SodiumChloride'), { logN: 14, r: 8, p: 1 });
  assert.equal(key.toString('hex'), '7023bdcb3afd7348461c06cd81fd38ebfda8fbba904f8e3ea9b543f6545da1f2');
});

test('wrap/unwrap: the right passphrase returns the key, a wrong one is WrongPassphraseError', async () => {
  const vaultKey = Buffer.alloc(32, 7);
  const wrap = await wrapWithPassphrase(vaultKey, 'pässphrase', FLOOR_SCRYPT);
  assert.equal(wrap.salt.length, 16);
  assert.ok(!wrap.wrapped.includes(vaultKey));
  // NFC and NFD spellings of the same text are the same passphrase.
  assert.deepEqual(await unwrapWithPassphrase(wrap, 'pa\u0308ssphrase'), vaultKey);
  await assert.rejects(unwrapWithPassphrase(wrap, 'passphrase'), WrongPassphraseError);
  // Tampered parameters: a floor violation is refused, a different valid N just fails to unwrap.
  await assert.rejects(
    unwrapWithPassphrase({ ...wrap, params: { logN: 12, r: 8, p: 1 } }, 'pässphrase'),
    KdfParamsError,
  );
  await assert.rejects(
    unwrapWithPassphrase({ ...wrap, params: { logN: 15, r: 8, p: 1 } }, 'pässphrase'),
    WrongPassphraseError,
  );
});
