import { useId } from 'react';
import {
  CHARACTER_SETS,
  generatePassphrase,
  generatePassword,
  MAX_PASSPHRASE_WORDS,
  MAX_PASSWORD_LENGTH,
  MIN_PASSPHRASE_WORDS,
  MIN_PASSWORD_LENGTH,
  passphraseBits,
  passwordBits,
  type CharacterSet,
} from '../../../shared/items/password-generator.ts';
import './PasswordGenerator.css';

export interface GeneratorSettings {
  mode: 'password' | 'passphrase';
  length: number;
  sets: CharacterSet[];
  words: number;
  separator: string;
}

export const DEFAULT_GENERATOR: GeneratorSettings = {
  mode: 'password',
  length: 20,
  sets: ['lower', 'upper', 'digits', 'symbols'],
  words: 6,
  separator: '-',
};

const SET_LABELS: Record<CharacterSet, string> = {
  lower: 'Lower case (a–z)',
  upper: 'Upper case (A–Z)',
  digits: 'Digits (0–9)',
  symbols: 'Symbols (!#$…)',
};

const clamp = (n: number, min: number, max: number) => Math.min(max, Math.max(min, Math.round(n) || min));

/** A password or passphrase with these settings (shared/items/password-generator.ts: uniform, no modulo bias). */
export function generateWith(s: GeneratorSettings): string {
  return s.mode === 'password'
    ? generatePassword({ length: s.length, sets: s.sets })
    : generatePassphrase({ words: s.words, separator: s.separator });
}

/** The generator's settings: a password (length, sets of characters) or a passphrase (BIP-39 English words). */
export function GeneratorSettingsPanel({
  settings,
  onChange,
}: {
  settings: GeneratorSettings;
  onChange(next: GeneratorSettings): void;
}) {
  const id = useId();
  const set = (patch: Partial<GeneratorSettings>) => onChange({ ...settings, ...patch });
  const bits = settings.mode === 'password' ? passwordBits(settings) : passphraseBits(settings);
  return (
    <details className="generator">
      <summary>Generator settings</summary>
      <fieldset className="generator__modes">
        <legend className="visually-hidden">Generate</legend>
        <label>
          <input
            type="radio"
            name={`${id}-mode`}
            checked={settings.mode === 'password'}
            onChange={() => set({ mode: 'password' })}
          />{' '}
          Characters
        </label>
        <label>
          <input
            type="radio"
            name={`${id}-mode`}
            checked={settings.mode === 'passphrase'}
            onChange={() => set({ mode: 'passphrase' })}
          />{' '}
          Words (passphrase)
        </label>
      </fieldset>
      {settings.mode === 'password' ? (
        <>
          <label className="generator__number">
            Length{' '}
            <input
              type="number"
              className="input"
              min={MIN_PASSWORD_LENGTH}
              max={MAX_PASSWORD_LENGTH}
              value={settings.length}
              onChange={(e) =>
                set({ length: clamp(Number(e.target.value), MIN_PASSWORD_LENGTH, MAX_PASSWORD_LENGTH) })
              }
            />
          </label>
          <fieldset className="generator__sets">
            <legend className="visually-hidden">Characters</legend>
            {(Object.keys(CHARACTER_SETS) as CharacterSet[]).map((s) => (
              <label key={s}>
                <input
                  type="checkbox"
                  checked={settings.sets.includes(s)}
                  // The last set stays: a password needs at least one.
                  disabled={settings.sets.length === 1 && settings.sets.includes(s)}
                  onChange={(e) =>
                    set({
                      sets: e.target.checked ? [...settings.sets, s] : settings.sets.filter((x) => x !== s),
                    })
                  }
                />{' '}
                {SET_LABELS[s]}
              </label>
            ))}
          </fieldset>
        </>
      ) : (
        <>
          <label className="generator__number">
            Words{' '}
            <input
              type="number"
              className="input"
              min={MIN_PASSPHRASE_WORDS}
              max={MAX_PASSPHRASE_WORDS}
              value={settings.words}
              onChange={(e) =>
                set({ words: clamp(Number(e.target.value), MIN_PASSPHRASE_WORDS, MAX_PASSPHRASE_WORDS) })
              }
            />
          </label>
          <label className="generator__number">
            Between words{' '}
            <input
              type="text"
              className="input"
              maxLength={3}
              value={settings.separator}
              onChange={(e) => set({ separator: e.target.value })}
            />
          </label>
        </>
      )}
      <p className="field__hint">
        About {bits} bits of randomness
        {settings.mode === 'passphrase' ? ', words from the BIP-39 English list.' : '.'}
      </p>
    </details>
  );
}
