/**
 * The new device's recovery store (PROTOCOL §11.3, migration 008) on a real SQLite file: senders are capped and the
 * oldest silent, unconfirmed one makes room; a rejected sender loses its piece and chunks and stays out; chunks are
 * kept by digest, so bytes one sender brought are never replaced by another's; the byte counts the caps read.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { Store, databasePath } from '../../../electron/core/store/store.ts';
import { RecoverySessionStore } from '../../../electron/core/recovery/session-store.ts';
import { tempDir } from '../vault/helpers.ts';

function open(t: TestContext): RecoverySessionStore {
  const store = Store.open(databasePath(tempDir(t, 'tessera-recovery-store-')));
  t.after(() => store.close());
  return new RecoverySessionStore(store);
}

const sender = (n: number) => ({ peerId: `peer-${n}`, name: `Friend ${n}`, sasCode: '123456', helloAt: n });
const chunk = (bytes: Uint8Array) => ({
  digest: new Uint8Array(createHash('sha256').update(bytes).digest()),
  data: bytes,
});
const piece = (peer: string) => ({
  sender: peer,
  sealed: new Uint8Array(8),
  manifest: new Uint8Array(0),
  receivedAt: 1,
});

test('the sender table is capped: the oldest silent, unconfirmed sender makes room, else a hello is refused', (t) => {
  const s = open(t);
  for (let n = 0; n < 3; n++) assert.ok(s.putSender(sender(n), 3));
  assert.ok(s.putSender(sender(3), 3), 'peer-0 made room');
  assert.deepEqual(
    s.senders().map((x) => x.peerId),
    ['peer-1', 'peer-2', 'peer-3'],
  );
  // Confirmed senders and senders that delivered are kept: with all three so, a fourth is refused.
  s.judgeSender('peer-1', 'confirmed', 10);
  s.commitDelivery(piece('peer-2'), []);
  s.judgeSender('peer-3', 'confirmed', 11);
  assert.equal(s.putSender(sender(4), 3), false);
  // A hello again from a known sender replaces its code and undoes its confirmation.
  assert.ok(s.putSender({ ...sender(1), sasCode: '654321', helloAt: 20 }, 3));
  const again = s.sender('peer-1')!;
  assert.deepEqual([again.sasCode, again.confirmedAt], ['654321', null]);
});

test('a rejected sender loses its piece and chunks and is refused from then on', (t) => {
  const s = open(t);
  s.putSender(sender(1), 32);
  const bytes = new Uint8Array(randomBytes(1000));
  s.commitDelivery(piece('peer-1'), [chunk(bytes)]);
  assert.equal(s.chunkBytes('peer-1'), 1000);
  s.judgeSender('peer-1', 'rejected', 5);
  assert.equal(s.pieces().length, 0);
  assert.equal(s.chunkBytes(), 0);
  assert.equal(s.sender('peer-1')?.rejectedAt, 5);
  assert.equal(s.putSender(sender(1), 32), false, 'its hello is refused');
  assert.equal(s.judgeSender('peer-1', 'confirmed', 6), false, 'and it cannot be confirmed');
});

test('chunks are kept by digest: a second sender never replaces the bytes a first one brought', (t) => {
  const s = open(t);
  s.putSender(sender(1), 32);
  s.putSender(sender(2), 32);
  const real = new Uint8Array(randomBytes(500));
  const c = chunk(real);
  s.commitDelivery(piece('peer-1'), [c]);
  // Another sender with the same digest has the same bytes (SHA-256); a row for it is not added twice.
  s.commitDelivery(piece('peer-2'), [chunk(Uint8Array.from(real))]);
  assert.ok(s.hasChunk(c.digest));
  assert.deepEqual(s.chunk(c.digest), real);
  assert.deepEqual([s.chunkBytes('peer-1'), s.chunkBytes('peer-2'), s.chunkBytes()], [500, 0, 500]);
  // Junk under another digest is stored apart and does not touch the real chunk.
  const junk = chunk(new Uint8Array(randomBytes(500)));
  s.commitDelivery(piece('peer-2'), [junk]);
  assert.deepEqual(s.chunk(c.digest), real);
  assert.equal(s.chunkBytes(), 1000);
});
