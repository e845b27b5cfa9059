/**
 * The recovery `withdraw` frame (PROTOCOL §11.2): round-trips, fits in the first frame, and the decoder stays strict
 * (unknown reason, extra field, wrong proof size, newer version).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MalformedDataError, UnsupportedFormatError } from '../../../shared/crypto/errors.ts';
import { encodeCanonical } from '../../../shared/formats/cbor.ts';
import {
  decodeRecoveryMessage,
  encodeRecoveryMessage,
  FIRST_FRAME_BYTES,
} from '../../../shared/protocol/recovery.ts';

const q = new Uint8Array(32).fill(7);

test('withdraw round-trips with both reasons and fits the first frame', () => {
  for (const why of ['declined', 'expired'] as const) {
    const bytes = encodeRecoveryMessage({ t: 'withdraw', q, why });
    assert.ok(bytes.length <= FIRST_FRAME_BYTES, `${bytes.length} bytes`);
    assert.deepEqual(decodeRecoveryMessage(bytes), { t: 'withdraw', q, why });
  }
  // The wire codes of PROTOCOL §11.2: t 13, why 1 (declined) and 2 (expired).
  assert.deepEqual(
    encodeRecoveryMessage({ t: 'withdraw', q, why: 'expired' }),
    encodeCanonical({ v: 2, t: 13, q, why: 2 }),
  );
});

test('the withdraw decoder is strict', () => {
  const bad = [
    { v: 2, t: 13, q, why: 5 },
    { v: 2, t: 13, q, why: 0 },
    { v: 2, t: 13, q },
    { v: 2, t: 13, q, why: 1, name: 'Ana' },
    { v: 2, t: 13, q: q.subarray(0, 31), why: 1 },
    { v: 2, t: 13, q, why: 'declined' },
  ];
  for (const map of bad)
    assert.throws(() => decodeRecoveryMessage(encodeCanonical(map)), MalformedDataError, JSON.stringify(map));
  assert.throws(
    () => decodeRecoveryMessage(encodeCanonical({ v: 3, t: 13, q, why: 1 })),
    UnsupportedFormatError,
  );
});
