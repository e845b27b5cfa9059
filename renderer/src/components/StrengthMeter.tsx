import { passphraseStrength, useStrengthDictionaries } from '../lib/strength.ts';
import './StrengthMeter.css';

/** Shows how hard a passphrase is to guess, in words as well as a bar. */
export function StrengthMeter({ passphrase, id }: { passphrase: string; id?: string }) {
  useStrengthDictionaries();
  const strength = passphraseStrength(passphrase);
  return (
    <div className="strength" id={id} data-score={strength.score}>
      <meter
        className="strength__meter"
        min={0}
        max={4}
        low={1.5}
        high={2.5}
        optimum={4}
        value={passphrase ? Math.max(strength.score, 0.25) : 0}
        aria-label="Passphrase strength"
        aria-valuetext={strength.label}
      />
      <span className="strength__text" aria-live="polite">
        <strong data-testid="strength-label">{passphrase ? strength.label : 'Strength'}</strong>
        {passphrase ? ` — ${strength.hint}` : ': type a passphrase to see how strong it is.'}
      </span>
    </div>
  );
}
