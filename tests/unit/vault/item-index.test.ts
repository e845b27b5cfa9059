import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ItemIndex, listOrder } from '../../../electron/core/vault/items/item-index.ts';
import { matchesQuery, searchText } from '../../../electron/core/vault/items/search.ts';
import type { CachedItem } from '../../../electron/core/vault/items/item-views.ts';
import type { Item, ItemSummary } from '../../../shared/api/ops/items.ts';
import { PASSPHRASE, expectOk, openCore, useFastKdf } from './helpers.ts';

useFastKdf();

/** An index entry, with the notes it was made from (for the model's own matching). */
const entry = (
  id: number,
  title: string,
  notes = '',
  tags: string[] = [],
): CachedItem & { notes: string } => ({
  id: id.toString(16).padStart(32, '0'),
  title,
  tags,
  searchText: searchText({ title, tags, notes }),
  attachmentCount: 0,
  updatedAt: 0,
  kind: 'secret',
  notes,
});

type Entry = ReturnType<typeof entry>;
type Step = { set: Entry } | { setMany: Entry[] } | { delete: number } | { read: string };

test('the index keeps list order and search results through any sequence of changes (as sorting every time would)', () => {
  // Few ids and titles, so that steps replace, rename and delete entries that exist, and titles tie.
  const titles = fc.constantFrom('Bank', 'bank', 'Émile', 'Mail', 'mail 2', 'Zoo', 'ångström', '10', '9');
  const item = fc
    .tuple(fc.integer({ min: 0, max: 12 }), titles, fc.constantFrom('', 'joint account', 'Mail server'))
    .map(([id, title, notes]) => entry(id, title, notes, id % 3 === 0 ? ['Family'] : []));
  const step: fc.Arbitrary<Step> = fc.oneof(
    item.map((i) => ({ set: i })),
    fc.array(item, { maxLength: 5 }).map((items) => ({ setMany: items })),
    fc.integer({ min: 0, max: 12 }).map((id) => ({ delete: id })),
    fc.constantFrom('', 'mail', 'MAIL server', 'family bank', 'joint', 'nothing').map((q) => ({ read: q })),
  );
  fc.assert(
    fc.property(fc.array(step, { maxLength: 40 }), (steps) => {
      const index = new ItemIndex();
      const model = new Map<string, Entry>();
      for (const s of steps) {
        if ('set' in s) {
          index.set(s.set);
          model.set(s.set.id, s.set);
        } else if ('setMany' in s) {
          index.setMany(s.setMany);
          for (const i of s.setMany) model.set(i.id, i);
        } else if ('delete' in s) {
          const id = s.delete.toString(16).padStart(32, '0');
          index.delete(id);
          model.delete(id);
        } else {
          const expected = [...model.values()]
            .sort(listOrder)
            .filter((i) => matchesQuery(s.read, { title: i.title, tags: i.tags, notes: i.notes }))
            .map((i) => i.id);
          assert.deepEqual(
            index.find(s.read).map((i) => i.id),
            expected,
          );
        }
      }
      assert.deepEqual(
        index.all().map((i) => i.id),
        [...model.values()].sort(listOrder).map((i) => i.id),
      );
      assert.equal(index.size, model.size);
    }),
  );
});

test('items.search answers the ids items.list lists for the same query, in the same order, through changes', async (t) => {
  const core = await openCore(t);
  expectOk(await core.dispatch('vault.create', { name: 'Ann', passphrase: PASSPHRASE }));
  const create = async (title: string, notes = '', tags: string[] = []) =>
    expectOk<Item>(await core.dispatch('items.create', { title, secret: 's', notes, tags })).id;
  const bank = await create('Bank', 'Joint account with Sam', ['money']);
  const mail = await create('Mail');
  await create('mail archive', 'old Bank letters');
  await create('Zoo membership', '', ['family']);

  const agree = async (query: string): Promise<string[]> => {
    const listed = expectOk<ItemSummary[]>(await core.dispatch('items.list', { query })).map((i) => i.id);
    const found = expectOk<{ ids: string[] }>(await core.dispatch('items.search', { query })).ids;
    assert.deepEqual(found, listed, `query "${query}"`);
    return found;
  };
  const queries = ['', 'bank', 'MAIL', 'sam joint', 'family', 'nothing like it', '  '];
  for (const q of queries) await agree(q);
  assert.deepEqual(await agree('bank'), [bank, (await agree('archive'))[0]]);

  // A rename moves the item in the list; a deleted item leaves it; a restored one comes back; an import adds many.
  expectOk(await core.dispatch('items.update', { id: mail, title: 'Aardvark mail' }));
  assert.equal((await agree(''))[0], mail);
  expectOk(await core.dispatch('items.delete', { id: bank }));
  assert.deepEqual(await agree('sam'), []);
  expectOk(await core.dispatch('items.restore', { id: bank }));
  assert.deepEqual(await agree('sam'), [bank]);
  const csv = ['"Group","Title","Username","Password","URL","Notes"', '"Root","Bank two","ann","p","",""'];
  const preview = expectOk<{ token: string }>(
    await core.dispatch('items.importPreview', {
      format: 'keepass',
      dataBase64: Buffer.from(csv.join('\n')).toString('base64'),
    }),
  );
  expectOk(await core.dispatch('items.importCommit', { token: preview.token }));
  assert.equal((await agree('bank')).length, 3);
  expectOk(await core.dispatch('vault.lock', {}));
  expectOk(await core.dispatch('vault.unlock', { passphrase: PASSPHRASE }));
  for (const q of queries) await agree(q);
});
