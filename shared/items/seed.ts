/**
 * Seed (recovery) phrases: the word count and the BIP-39 checksum, with the English wordlist of `@scure/bip39`.
 * A phrase that does not verify gets a warning, never a refusal: other wordlists and schemes (Electrum, SLIP-39,
 * Monero) exist, and the person's words are what they are.
 */
import { validateMnemonic } from '@scure/bip39';
import { wordlist as english } from '@scure/bip39/wordlists/english.js';

/** Word counts BIP-39 defines (128 to 256 bits of entropy, a checksum bit per 32). */
export const BIP39_WORD_COUNTS = [12, 15, 18, 21, 24] as const;

export interface SeedCheck {
  /** The words, lower-cased, as the phrase splits on white space. */
  words: string[];
  /** True when the phrase is a BIP-39 English phrase whose checksum verifies. */
  valid: boolean;
  /** Words not in the BIP-39 English list (with their positions from 1). */
  unknown: { position: number; word: string }[];
  /** What to tell the person when `valid` is false; undefined otherwise. */
  warning?: string;
}

const englishSet = new Set(english);

export function splitSeedPhrase(phrase: string): string[] {
  return phrase
    .normalize('NFKD')
    .trim()
    .toLowerCase()
    .split(/\s+/)
    .filter((w) => w !== '');
}

/** Checks the phrase's word count, words and BIP-39 checksum, and says plainly what does not verify. */
export function checkSeedPhrase(phrase: string): SeedCheck {
  const words = splitSeedPhrase(phrase);
  const unknown = words.flatMap((word, i) => (englishSet.has(word) ? [] : [{ position: i + 1, word }]));
  const countOk = (BIP39_WORD_COUNTS as readonly number[]).includes(words.length);
  const valid = countOk && unknown.length === 0 && validateMnemonic(words.join(' '), english);
  if (valid) return { words, valid, unknown };
  const after = ' It is saved as you typed it; check it against where you wrote it down.';
  let warning: string;
  if (words.length === 0) warning = 'The seed phrase is empty.';
  else if (!countOk)
    warning = `This phrase has ${words.length} words; a BIP-39 phrase has 12, 15, 18, 21 or 24.${after}`;
  else if (unknown.length > 0)
    warning =
      `Not in the BIP-39 English wordlist: ${unknown.map((u) => `word ${u.position} "${u.word}"`).join(', ')}.` +
      ` A typo, or a phrase from another wordlist.${after}`;
  else
    warning =
      `The BIP-39 checksum does not verify: a word may be wrong or out of order (or the phrase uses another scheme).` +
      after;
  return { words, valid, unknown, warning };
}
