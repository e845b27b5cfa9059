import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatPeriod, formatRemaining, pathWords } from '../../../renderer/src/lib/format.ts';

test('a countdown says what is left the way a person says it, never "0 s" before the moment', () => {
  const cases: [number, string][] = [
    [-5_000, '0 s'],
    [0, '0 s'],
    [1, '1 s'],
    [14_000, '14 s'],
    [13_200, '14 s'],
    [60_000, '1 min'],
    [200_000, '3 min 20 s'],
    [45 * 60_000, '45 min'],
    [60 * 60_000, '1 hour'],
    [5 * 3_600_000 + 12 * 60_000, '5 hours 12 min'],
    [24 * 3_600_000, '1 day'],
    [27 * 3_600_000, '1 day 3 hours'],
    [2 * 24 * 3_600_000 + 30 * 60_000, '2 days'],
  ];
  for (const [ms, words] of cases) assert.equal(formatRemaining(ms), words, `${ms} ms`);
});

test('a waiting period reads in its largest whole unit', () => {
  assert.equal(formatPeriod(7 * 24 * 3_600_000), '1 week');
  assert.equal(formatPeriod(2 * 24 * 3_600_000), '2 days');
  assert.equal(formatPeriod(36 * 3_600_000), '36 hours');
  assert.equal(formatPeriod(3_600_000), '1 hour');
  assert.equal(formatPeriod(8_000), '8 s');
});

test('paths are named without network words', () => {
  assert.equal(pathWords('direct'), 'connected directly');
  assert.equal(pathWords('relayed'), 'connected through a friend’s device');
  assert.equal(pathWords(undefined), 'not connected');
});
