/**
 * Durations in words, for sentences people read ("at least 1 hour", "waits 2 days"): the largest whole unit that
 * fits, so a waiting period a person chose reads back as they chose it.
 */
const UNITS: [number, string][] = [
  [24 * 60 * 60_000, 'day'],
  [60 * 60_000, 'hour'],
  [60_000, 'minute'],
  [1_000, 'second'],
];

export function describeDuration(ms: number): string {
  for (const [size, unit] of UNITS) {
    if (ms >= size && ms % size === 0) {
      const n = ms / size;
      return `${n} ${unit}${n === 1 ? '' : 's'}`;
    }
  }
  for (const [size, unit] of UNITS) {
    if (ms >= size) {
      const n = Math.round((ms / size) * 10) / 10;
      return `${n} ${unit}s`;
    }
  }
  return `${Math.max(0, Math.round(ms))} ms`;
}

const SUFFIXES: Record<string, number> = { s: 1_000, m: 60_000, h: 60 * 60_000, d: 24 * 60 * 60_000 };

/**
 * A duration as people type it ("48h", "2d", "90m", "30s"; a bare number is hours), in ms; null when it is not one.
 */
export function parseDuration(text: string): number | null {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*$/i.exec(text);
  if (!m) return null;
  const ms = Number(m[1]) * SUFFIXES[(m[2] || 'h').toLowerCase()]!;
  return Number.isFinite(ms) ? Math.round(ms) : null;
}
