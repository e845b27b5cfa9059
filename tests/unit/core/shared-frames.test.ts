import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { SharedFrames } from '../../../electron/core/backup/shared-frames.ts';
import { decodeBackupMessage, encodeBackupMessage } from '../../../shared/protocol/backup.ts';

const chunks = (n: number) =>
  Array.from({ length: n }, () => ({
    id: new Uint8Array(randomBytes(32)),
    data: new Uint8Array(randomBytes(100)),
  }));
const idsOf = (items: { id: Uint8Array }[]) => items.map((c) => Buffer.from(c.id).toString('hex'));

test('pushes cutting the same frame share one encoding; another run of ids is encoded anew', () => {
  const frames = new SharedFrames(1024 * 1024);
  const items = chunks(3);
  let encodings = 0;
  const encode = (of: typeof items) => () => {
    encodings++;
    return encodeBackupMessage({ t: 'chunks', items: of });
  };
  const first = frames.frame(idsOf(items), encode(items));
  const second = frames.frame(idsOf(items), encode(items));
  assert.equal(second, first);
  assert.equal(encodings, 1);
  const decoded = decodeBackupMessage(second);
  assert.ok(decoded.t === 'chunks');
  assert.deepEqual(idsOf(decoded.items), idsOf(items));
  // The same chunks cut differently (a custodian that lacked only some) make another frame.
  frames.frame(idsOf(items.slice(1)), encode(items.slice(1)));
  assert.equal(encodings, 2);
});

test('frames beyond the byte limit go oldest first, and one larger than the limit is not kept', () => {
  const a = chunks(1);
  const b = chunks(1);
  const c = chunks(1);
  const size = encodeBackupMessage({ t: 'chunks', items: a }).length;
  const frames = new SharedFrames(2 * size);
  const seen: string[] = [];
  const encode = (name: string, of: typeof a) => () => {
    seen.push(name);
    return encodeBackupMessage({ t: 'chunks', items: of });
  };
  frames.frame(idsOf(a), encode('a', a));
  frames.frame(idsOf(b), encode('b', b));
  frames.frame(idsOf(c), encode('c', c)); // a goes
  frames.frame(idsOf(b), encode('b', b));
  frames.frame(idsOf(c), encode('c', c));
  frames.frame(idsOf(a), encode('a', a));
  assert.deepEqual(seen, ['a', 'b', 'c', 'a']);

  const big = chunks(3);
  const small = new SharedFrames(size);
  let encodings = 0;
  const encodeBig = () => {
    encodings++;
    return encodeBackupMessage({ t: 'chunks', items: big });
  };
  small.frame(idsOf(big), encodeBig);
  small.frame(idsOf(big), encodeBig);
  assert.equal(encodings, 2);
});

test('clear() forgets every frame', () => {
  const frames = new SharedFrames(1024 * 1024);
  const items = chunks(2);
  let encodings = 0;
  const encode = () => {
    encodings++;
    return encodeBackupMessage({ t: 'chunks', items });
  };
  frames.frame(idsOf(items), encode);
  frames.clear();
  frames.frame(idsOf(items), encode);
  assert.equal(encodings, 2);
});

test('a frame made while pushes are registered is let go once each of them has taken it', () => {
  const frames = new SharedFrames(1024 * 1024);
  const items = chunks(2);
  let encodings = 0;
  const encode = () => {
    encodings++;
    return encodeBackupMessage({ t: 'chunks', items });
  };
  const leaves = [frames.join(), frames.join(), frames.join()];
  frames.frame(idsOf(items), encode);
  frames.frame(idsOf(items), encode);
  frames.frame(idsOf(items), encode);
  assert.equal(encodings, 1);
  // All three took it: a fourth asking encodes anew.
  frames.frame(idsOf(items), encode);
  assert.equal(encodings, 2);
  for (const leave of leaves) leave();
  // A push alone keeps nothing for others.
  const alone = frames.join();
  frames.frame(idsOf(items.slice(1)), encode);
  frames.frame(idsOf(items.slice(1)), encode);
  assert.equal(encodings, 4);
  alone();
});
