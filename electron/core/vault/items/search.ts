/** Case-insensitive search: every whitespace-separated term must appear in the title, a tag or the notes. */
export function matchesQuery(
  query: string,
  fields: { title: string; tags: string[]; notes: string },
): boolean {
  const terms = query.toLocaleLowerCase().split(/\s+/).filter(Boolean);
  if (terms.length === 0) return true;
  const haystack = [fields.title, ...fields.tags, fields.notes].join('\n').toLocaleLowerCase();
  return terms.every((term) => haystack.includes(term));
}
