/**
 * A small, honest passphrase strength estimate: character pool × length, with penalties for repeats, runs and
 * very common choices. It guides; it does not promise.
 */
import { isLongEnoughPassphrase, PASSPHRASE_MIN_LENGTH } from '../../../shared/passphrase-rules.ts';

export interface Strength {
  /** 0 (too short) … 4 (very strong) */
  score: 0 | 1 | 2 | 3 | 4;
  label: string;
  hint: string;
}

const COMMON = [
  'password',
  'passphrase',
  'qwerty',
  'letmein',
  'welcome',
  'iloveyou',
  'admin',
  'monkey',
  'dragon',
  'sunshine',
  'tessera',
  'secret',
  'abc123',
  '123456',
];

export function estimateBits(passphrase: string): number {
  if (!passphrase) return 0;
  let pool = 0;
  if (/[a-z]/.test(passphrase)) pool += 26;
  if (/[A-Z]/.test(passphrase)) pool += 26;
  if (/[0-9]/.test(passphrase)) pool += 10;
  if (/[^a-zA-Z0-9]/.test(passphrase)) pool += 33;
  // Count characters, but repeated and sequential characters add little.
  let effective = 0;
  const chars = [...passphrase];
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i]!.codePointAt(0)!;
    const prev = i > 0 ? chars[i - 1]!.codePointAt(0)! : NaN;
    if (c === prev || Math.abs(c - prev) === 1) effective += 0.25;
    else effective += 1;
  }
  let bits = effective * Math.log2(Math.max(pool, 2));
  const lower = passphrase.toLowerCase();
  for (const word of COMMON) if (lower.includes(word)) bits -= word.length * 3;
  // Several words separated by spaces are a good passphrase even in lower case.
  const words = passphrase
    .trim()
    .split(/\s+/)
    .filter((w) => w.length >= 3);
  if (words.length >= 4) bits = Math.max(bits, words.length * 12);
  return Math.max(0, Math.round(bits));
}

export function passphraseStrength(passphrase: string): Strength {
  if (!isLongEnoughPassphrase(passphrase)) {
    return {
      score: 0,
      label: 'Too short',
      hint: `Use at least ${PASSPHRASE_MIN_LENGTH} characters; a few unrelated words work well.`,
    };
  }
  const bits = estimateBits(passphrase);
  if (bits < 40) return { score: 1, label: 'Weak', hint: 'Easy to guess. Add more words or make it longer.' };
  if (bits < 60)
    return { score: 2, label: 'Fair', hint: 'Could be stronger. Another word or two would help.' };
  if (bits < 80) return { score: 3, label: 'Strong', hint: 'Good. Make sure you can remember it.' };
  return { score: 4, label: 'Very strong', hint: 'Excellent. Make sure you can remember it.' };
}
