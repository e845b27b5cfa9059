import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Store, databasePath } from '../../../electron/core/store/store.ts';
import { CustodianStore, StaleDepositError } from '../../../electron/core/backup/custodian-store.ts';
import { tempDir } from '../vault/helpers.ts';

const OWNER = '12D3KooWOwner';
const split = new Uint8Array(randomBytes(16));
const id = () => randomBytes(32).toString('hex');
const chunk = () => new Uint8Array(randomBytes(64));

function open(t: TestContext): CustodianStore {
  const store = Store.open(databasePath(tempDir(t, 'tessera-held-')));
  t.after(() => store.close());
  return new CustodianStore(store);
}

const row = (version: number) => ({
  ownerPeerId: OWNER,
  splitId: split,
  sealedEnvelope: new Uint8Array([1, 2, 3]),
  manifest: new Uint8Array([version]),
  version,
});

test('a deposit that lost a race is refused whole: an older version, or chunks that are not all held', (t) => {
  const held = open(t);
  const [a, b, c] = [id(), id(), id()];
  held.commitHolding(
    row(2),
    new Map([
      [a, chunk()],
      [b, chunk()],
    ]),
    new Set([a, b]),
    1,
  );

  // Version 1 was checked before version 2 arrived (say, through a mutual friend): it must not replace it.
  assert.throws(
    () => held.commitHolding(row(1), new Map([[c, chunk()]]), new Set([a, c]), 2),
    (err: unknown) => err instanceof StaleDepositError && /newer version \(2\) than 1/.test(err.message),
  );
  // Version 3 counted on a chunk (c) that is not held and did not come with it.
  assert.throws(
    () => held.commitHolding(row(3), new Map(), new Set([a, c]), 3),
    (err: unknown) =>
      err instanceof StaleDepositError && /1 chunk\(s\) of version 3 are not held/.test(err.message),
  );
  assert.equal(held.held(OWNER)?.version, 2, 'nothing changed');
  assert.deepEqual([...held.chunkIds(OWNER)].sort(), [a, b].sort());

  // A complete newer version is stored, and chunks it no longer lists are dropped.
  held.commitHolding(row(3), new Map([[c, chunk()]]), new Set([a, c]), 4);
  assert.equal(held.held(OWNER)?.version, 3);
  assert.deepEqual([...held.chunkIds(OWNER)].sort(), [a, c].sort());
});
