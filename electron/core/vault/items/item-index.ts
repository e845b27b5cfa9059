import type { CachedItem } from './item-views.ts';
import { matchesTerms, queryTerms } from './search.ts';

/** The list order: by title as the person's locale sorts it, then by id (as `items.list` has always listed). */
export function listOrder(a: CachedItem, b: CachedItem): number {
  return a.title.localeCompare(b.title) || a.id.localeCompare(b.id);
}

/**
 * The summaries of the items not in the trash, decrypted at unlock (no secret), kept in list order: `list` and
 * `find` no longer sort 10,000 titles on every call (docs/PERFORMANCE.md, "A vault of 10,000 items"). One change moves one entry; many at once (an import) sort again on the next
 * read.
 */
export class ItemIndex {
  private readonly byId = new Map<string, CachedItem>();
  /** Every entry in list order, or null until the next read needs it. */
  private ordered: CachedItem[] | null = null;

  constructor(items: Iterable<CachedItem> = []) {
    for (const item of items) this.byId.set(item.id, item);
  }

  get size(): number {
    return this.byId.size;
  }

  ids(): IterableIterator<string> {
    return this.byId.keys();
  }

  get(id: string): CachedItem | undefined {
    return this.byId.get(id);
  }

  set(item: CachedItem): void {
    const previous = this.byId.get(item.id);
    this.byId.set(item.id, item);
    if (!this.ordered) return;
    if (previous) this.ordered.splice(this.ordered.indexOf(previous), 1);
    this.ordered.splice(this.insertionPoint(item), 0, item);
  }

  /** Many entries at once: sorted again on the next read instead of moved one by one. */
  setMany(items: Iterable<CachedItem>): void {
    for (const item of items) this.byId.set(item.id, item);
    this.ordered = null;
  }

  delete(id: string): void {
    const previous = this.byId.get(id);
    if (!previous) return;
    this.byId.delete(id);
    this.ordered?.splice(this.ordered.indexOf(previous), 1);
  }

  /** Every entry in list order. */
  all(): readonly CachedItem[] {
    this.ordered ??= [...this.byId.values()].sort(listOrder);
    return this.ordered;
  }

  /** The entries that match `query` (search.ts), in list order; a blank query matches every entry. */
  find(query: string): readonly CachedItem[] {
    const terms = queryTerms(query);
    const all = this.all();
    return terms.length === 0 ? all : all.filter((item) => matchesTerms(terms, item.searchText));
  }

  private insertionPoint(item: CachedItem): number {
    const ordered = this.ordered!;
    let low = 0;
    let high = ordered.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (listOrder(ordered[mid]!, item) < 0) low = mid + 1;
      else high = mid;
    }
    return low;
  }
}
