export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(bytes < 10 * 1024 ? 1 : 0)} KB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

/**
 * One formatter for every date shown: `Date.prototype.toLocaleString` with options builds a new `Intl.DateTimeFormat`
 * at each call (the same text, much slower), and the vault list formats a date per row as it scrolls
 * (docs/PERFORMANCE.md, "A vault of 10,000 items").
 */
const dateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

export function formatDate(ms: number): string {
  return dateFormat.format(ms);
}

/** Names as a sentence says them: "Bob", "Bob and Carol", "Bob, Carol and Dan". */
export function listNames(names: readonly string[]): string {
  if (names.length <= 1) return names[0] ?? '';
  return `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
}

/** "1 friend", "2 friends": a count with its noun in the right number. */
export function plural(count: number, one: string, many = `${one}s`): string {
  return `${count} ${count === 1 ? one : many}`;
}
