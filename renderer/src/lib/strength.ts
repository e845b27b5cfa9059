/**
 * How hard a passphrase is to guess, estimated by zxcvbn (@zxcvbn-ts): common passwords, words and names, keyboard
 * patterns, dates, repeats, sequences and l33t substitutions, against its English and common dictionaries. It
 * guides; it does not promise.
 *
 * The dictionaries are most of the library's size, so the library and they load on their own, when the first
 * screen that shows a strength asks for them (`useStrengthDictionaries`), not with the app; until they arrive a
 * passphrase of the minimum length is "Checking…", never called strong on patterns alone.
 */
import { useEffect, useSyncExternalStore } from 'react';
import type { ZxcvbnFactory } from '@zxcvbn-ts/core';
import { isLongEnoughPassphrase, PASSPHRASE_MIN_LENGTH } from '../../../shared/passphrase-rules.ts';

export interface Strength {
  /** 0 (too short, or not checked yet) … 4 (very strong) */
  score: 0 | 1 | 2 | 3 | 4;
  label: string;
  hint: string;
}

/**
 * Grades by zxcvbn's estimate of the guesses an attacker needs (log10). zxcvbn's own score calls 10^10 guesses
 * strong protection against an offline attack on a slow hash; a vault passphrase guards every secret for years
 * against a thief with the disk (SECURITY.md, "Losing the device"), so the grades here ask for more. Below 10^8 is
 * what zxcvbn's score calls guessable.
 */
const FAIR_FROM = 8;
const STRONG_FROM = 12;
const VERY_STRONG_FROM = 16;

/** Words a guesser of a Tessera passphrase tries first. */
const APP_WORDS = ['tessera', 'vault', 'passphrase', 'backup'];

let estimator: ZxcvbnFactory | null = null;
let loading: Promise<void> | null = null;
const listeners = new Set<() => void>();
let last: { passphrase: string; strength: Strength } | null = null;

/** Loads zxcvbn and its dictionaries (once); the estimate uses them from then on. */
export function loadStrengthDictionaries(): Promise<void> {
  loading ??= Promise.all([
    import('@zxcvbn-ts/core'),
    import('@zxcvbn-ts/language-common'),
    import('@zxcvbn-ts/language-en'),
  ]).then(([{ ZxcvbnFactory }, common, en]) => {
    estimator = new ZxcvbnFactory({
      dictionary: { ...common.dictionary, ...en.dictionary },
      graphs: common.adjacencyGraphs,
      translations: en.translations,
    });
    last = null;
    for (const listener of listeners) listener();
  });
  return loading;
}

const subscribe = (listener: () => void) => {
  listeners.add(listener);
  return () => listeners.delete(listener);
};
const dictionariesLoaded = () => estimator !== null;

/** Starts loading the dictionaries and re-renders the caller when they arrive; true once they are in. */
export function useStrengthDictionaries(): boolean {
  useEffect(() => void loadStrengthDictionaries(), []);
  return useSyncExternalStore(subscribe, dictionariesLoaded);
}

export function passphraseStrength(passphrase: string): Strength {
  if (!isLongEnoughPassphrase(passphrase)) {
    return {
      score: 0,
      label: 'Too short',
      hint: `Use at least ${PASSPHRASE_MIN_LENGTH} characters; a few unrelated words work well.`,
    };
  }
  if (estimator === null)
    return { score: 0, label: 'Checking…', hint: 'Comparing it with common passwords and words.' };
  // A screen asks on every render, and estimating a long passphrase is not free.
  if (last?.passphrase === passphrase) return last.strength;
  const strength = grade(estimator, passphrase);
  last = { passphrase, strength };
  return strength;
}

function grade(zxcvbn: ZxcvbnFactory, passphrase: string): Strength {
  const { guessesLog10, feedback } = zxcvbn.check(passphrase, APP_WORDS);
  if (guessesLog10 < FAIR_FROM) {
    const why = feedback.warning ? `${feedback.warning} ` : '';
    return { score: 1, label: 'Weak', hint: `${why}Easy to guess. Add more words or make it longer.` };
  }
  if (guessesLog10 < STRONG_FROM)
    return { score: 2, label: 'Fair', hint: 'Could be stronger. Another word or two would help.' };
  if (guessesLog10 < VERY_STRONG_FROM)
    return { score: 3, label: 'Strong', hint: 'Good. Make sure you can remember it.' };
  return { score: 4, label: 'Very strong', hint: 'Excellent. Make sure you can remember it.' };
}
