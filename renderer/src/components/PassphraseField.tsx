import { useState } from 'react';
import type { ReactNode } from 'react';
import { FieldShell } from './Field.tsx';
import './PassphraseField.css';

interface Props {
  label: string;
  value: string;
  onChange(value: string): void;
  autoComplete: 'current-password' | 'new-password';
  hint?: ReactNode;
  error?: string | null;
  autoFocus?: boolean;
  name?: string;
  /** What the show/hide button names, for example "new passphrase" → "Show new passphrase". */
  toggleName?: string;
}

/** A passphrase input with a show/hide toggle. */
export function PassphraseField({
  label,
  value,
  onChange,
  autoComplete,
  hint,
  error,
  autoFocus,
  name,
  toggleName = label.toLowerCase(),
}: Props) {
  const [visible, setVisible] = useState(false);
  return (
    <FieldShell label={label} hint={hint} error={error}>
      {({ id, describedBy }) => (
        <div className="passphrase">
          <input
            id={id}
            name={name}
            className="input passphrase__input"
            type={visible ? 'text' : 'password'}
            value={value}
            onChange={(e) => onChange(e.target.value)}
            autoComplete={autoComplete}
            autoFocus={autoFocus}
            spellCheck={false}
            autoCapitalize="off"
            aria-describedby={describedBy}
            aria-invalid={error ? true : undefined}
          />
          <button
            type="button"
            className="button button--ghost passphrase__toggle"
            aria-pressed={visible}
            aria-label={`${visible ? 'Hide' : 'Show'} ${toggleName}`}
            aria-controls={id}
            onClick={() => setVisible((v) => !v)}
          >
            {visible ? 'Hide' : 'Show'}
          </button>
        </div>
      )}
    </FieldShell>
  );
}
