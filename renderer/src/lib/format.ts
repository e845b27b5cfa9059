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

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/**
 * How long until something happens, as a person says it: "14 s", "3 min 20 s", "5 hours 12 min", "1 day 3 hours".
 * Seconds are shown only while they matter (under ten minutes); past a day, hours are the finest unit. Rounded up,
 * so a countdown never says "0 s" before the moment has come.
 */
export function formatRemaining(ms: number): string {
  const left = Math.max(0, Math.ceil(ms / SECOND) * SECOND);
  if (left < MINUTE) return `${left / SECOND} s`;
  if (left < 10 * MINUTE) {
    const seconds = (left % MINUTE) / SECOND;
    return `${Math.floor(left / MINUTE)} min${seconds ? ` ${seconds} s` : ''}`;
  }
  if (left < HOUR) return `${Math.ceil(left / MINUTE)} min`;
  if (left < DAY) {
    const minutes = Math.floor((left % HOUR) / MINUTE);
    return `${plural(Math.floor(left / HOUR), 'hour')}${minutes ? ` ${minutes} min` : ''}`;
  }
  const hours = Math.floor((left % DAY) / HOUR);
  return `${plural(Math.floor(left / DAY), 'day')}${hours ? ` ${plural(hours, 'hour')}` : ''}`;
}

/** A waiting period as chosen for a backup: "1 week", "2 days", "36 hours", "1 hour", "8 s" (tests shorten it). */
export function formatPeriod(ms: number): string {
  if (ms >= 7 * DAY && ms % (7 * DAY) === 0) return plural(ms / (7 * DAY), 'week');
  if (ms >= DAY && ms % DAY === 0) return plural(ms / DAY, 'day');
  if (ms >= HOUR && ms % HOUR === 0) return plural(ms / HOUR, 'hour');
  if (ms >= MINUTE && ms % MINUTE === 0) return plural(ms / MINUTE, 'minute');
  return formatRemaining(ms);
}

/** How a friend's device is connected, in the words every recovery screen uses (PROTOCOL §11.7 "Paths"). */
export function pathWords(path: 'direct' | 'relayed' | undefined): string {
  if (path === 'direct') return 'connected directly';
  if (path === 'relayed') return 'connected through a friend’s device';
  return 'not connected';
}
