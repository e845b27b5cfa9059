/**
 * Passwords and passphrases from the system's random numbers (`crypto.getRandomValues`, through @noble/hashes'
 * randomBytes: shared/crypto/random.ts). Every pick is uniform: a 32-bit draw is rejected when it falls in the
 * incomplete last block of the alphabet's size (rejection sampling), so no symbol is likelier than another, as
 * a modulo of the draw would make it.
 */
import { wordlist as english } from '@scure/bip39/wordlists/english.js';
import { BadRequestError } from '../errors.ts';
import { systemRandom, takeRandom, type RandomSource } from '../crypto/random.ts';

export const CHARACTER_SETS = {
  lower: 'abcdefghijklmnopqrstuvwxyz',
  upper: 'ABCDEFGHIJKLMNOPQRSTUVWXYZ',
  digits: '0123456789',
  symbols: '!#$%&()*+,-./:;<=>?@[]^_{|}~',
} as const;
export type CharacterSet = keyof typeof CHARACTER_SETS;

export const MIN_PASSWORD_LENGTH = 8;
export const MAX_PASSWORD_LENGTH = 128;
export const MIN_PASSPHRASE_WORDS = 3;
export const MAX_PASSPHRASE_WORDS = 24;
/** The passphrase words: the BIP-39 English wordlist (2048 words, 11 bits each, none a prefix-clash of 4 letters). */
export const PASSPHRASE_WORDS: readonly string[] = english;

export interface PasswordOptions {
  length: number;
  sets: readonly CharacterSet[];
}

export interface PassphraseOptions {
  words: number;
  separator: string;
}

/** A generator setting out of range: the message names the setting. */
export class GeneratorOptionsError extends BadRequestError {}

const UINT32 = 2 ** 32;

/** A uniform integer in [0, n), n ≤ 2^32, by rejection sampling over 32-bit draws. */
export function uniformInt(n: number, random: RandomSource = systemRandom): number {
  if (!Number.isInteger(n) || n < 1 || n > UINT32) throw new RangeError(`uniformInt: bad range ${n}`);
  const limit = UINT32 - (UINT32 % n);
  for (;;) {
    const b = takeRandom(random, 4);
    const x = ((b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!) >>> 0;
    if (x < limit) return x % n;
  }
}

/**
 * A password of `length` characters from the chosen sets, with at least one character of each set: a draw that
 * misses a set is thrown away whole and drawn again, so every password with all the sets is equally likely.
 */
export function generatePassword(options: PasswordOptions, random: RandomSource = systemRandom): string {
  const { length } = options;
  const sets = [...new Set(options.sets)];
  if (!Number.isInteger(length) || length < MIN_PASSWORD_LENGTH || length > MAX_PASSWORD_LENGTH)
    throw new GeneratorOptionsError(
      `The length must be ${MIN_PASSWORD_LENGTH} to ${MAX_PASSWORD_LENGTH} characters (it is ${length}).`,
    );
  if (sets.length === 0) throw new GeneratorOptionsError('Choose at least one set of characters.');
  for (const s of sets)
    if (!Object.hasOwn(CHARACTER_SETS, s))
      throw new GeneratorOptionsError(`Unknown set of characters "${s}".`);
  const alphabet = sets.map((s) => CHARACTER_SETS[s]).join('');
  for (;;) {
    let out = '';
    for (let i = 0; i < length; i++) out += alphabet[uniformInt(alphabet.length, random)];
    if (sets.every((s) => [...CHARACTER_SETS[s]].some((c) => out.includes(c)))) return out;
  }
}

/** `words` words of the BIP-39 English list, each drawn uniformly, joined by `separator`. */
export function generatePassphrase(options: PassphraseOptions, random: RandomSource = systemRandom): string {
  const { words, separator } = options;
  if (!Number.isInteger(words) || words < MIN_PASSPHRASE_WORDS || words > MAX_PASSPHRASE_WORDS)
    throw new GeneratorOptionsError(
      `A passphrase must have ${MIN_PASSPHRASE_WORDS} to ${MAX_PASSPHRASE_WORDS} words (it has ${words}).`,
    );
  if (separator.length > 3) throw new GeneratorOptionsError('The separator can be at most 3 characters.');
  return Array.from(
    { length: words },
    () => PASSPHRASE_WORDS[uniformInt(PASSPHRASE_WORDS.length, random)]!,
  ).join(separator);
}

/** Bits of entropy of a password (before the each-set rule, which removes a little) or a passphrase. */
export function passwordBits(options: PasswordOptions): number {
  const size = [...new Set(options.sets)].reduce((n, s) => n + CHARACTER_SETS[s].length, 0);
  return size > 0 ? Math.floor(options.length * Math.log2(size)) : 0;
}
export function passphraseBits(options: PassphraseOptions): number {
  return Math.floor(options.words * Math.log2(PASSPHRASE_WORDS.length));
}
