/**
 * Case-insensitive search: every whitespace-separated term must appear in the title, a tag, the notes, or a login's
 * user name or web addresses.
 *
 * The text searched is lower-cased once, when an item enters the in-memory index (`searchText`), so a query costs
 * one `includes` per term and item, not a join and a lower-casing of every item's notes per keystroke
 * (docs/PERFORMANCE.md, "A vault of 10,000 items").
 */

/** A query's terms, lower-cased; none for a blank query (which matches everything). */
export function queryTerms(query: string): string[] {
  return query.toLocaleLowerCase().split(/\s+/).filter(Boolean);
}

/** The fields an item is searched by. */
export interface SearchFields {
  title: string;
  tags: readonly string[];
  notes: string;
  username?: string;
  urls?: readonly string[];
}

/** What an item is searched by: its title, tags, notes, user name and web addresses, lower-cased, one per line. */
export function searchText(fields: SearchFields): string {
  return [fields.title, ...fields.tags, fields.notes, fields.username ?? '', ...(fields.urls ?? [])]
    .join('\n')
    .toLocaleLowerCase();
}

export function matchesTerms(terms: readonly string[], text: string): boolean {
  return terms.every((term) => text.includes(term));
}

export function matchesQuery(query: string, fields: SearchFields): boolean {
  const terms = queryTerms(query);
  return terms.length === 0 || matchesTerms(terms, searchText(fields));
}
