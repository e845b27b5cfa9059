import { useId } from 'react';
import type { InputHTMLAttributes, ReactNode, TextareaHTMLAttributes } from 'react';
import './Field.css';

interface FieldShellProps {
  label: string;
  hint?: ReactNode;
  error?: string | null;
  children: (ids: { id: string; describedBy: string | undefined }) => ReactNode;
}

/** A labelled control with an optional hint and an inline error, wired up for screen readers. */
export function FieldShell({ label, hint, error, children }: FieldShellProps) {
  const id = useId();
  const hintId = hint ? `${id}-hint` : undefined;
  const errorId = error ? `${id}-error` : undefined;
  const describedBy = [hintId, errorId].filter(Boolean).join(' ') || undefined;
  return (
    <div className="field">
      <label className="field__label" htmlFor={id}>
        {label}
      </label>
      {children({ id, describedBy })}
      {hint && (
        <div className="field__hint" id={hintId}>
          {hint}
        </div>
      )}
      {error && (
        <p className="field__error" id={errorId}>
          {error}
        </p>
      )}
    </div>
  );
}

type InputProps = Omit<InputHTMLAttributes<HTMLInputElement>, 'id'> & {
  label: string;
  hint?: ReactNode;
  error?: string | null;
};

/**
 * "187 of 200 characters" once a value nears its limit (the last fifth), so text is not cut without warning; null
 * before that.
 */
export function charCount(value: unknown, max: number | undefined): string | null {
  if (typeof value !== 'string' || !max || value.length < max * 0.8) return null;
  return value.length >= max
    ? `${max} of ${max} characters: the most it can have`
    : `${value.length} of ${max} characters`;
}

export function TextField({ label, hint, error, className, ...rest }: InputProps) {
  const count = charCount(rest.value, rest.maxLength);
  return (
    <FieldShell
      label={label}
      hint={
        count ? (
          <>
            {hint}{' '}
            <span className="field__count" data-testid="char-count">
              {count}
            </span>
          </>
        ) : (
          hint
        )
      }
      error={error}
    >
      {({ id, describedBy }) => (
        <input
          id={id}
          className={`input ${className ?? ''}`}
          aria-describedby={describedBy}
          aria-invalid={error ? true : undefined}
          {...rest}
        />
      )}
    </FieldShell>
  );
}

type AreaProps = Omit<TextareaHTMLAttributes<HTMLTextAreaElement>, 'id'> & {
  label: string;
  hint?: ReactNode;
  error?: string | null;
};

export function TextAreaField({ label, hint, error, className, ...rest }: AreaProps) {
  return (
    <FieldShell label={label} hint={hint} error={error}>
      {({ id, describedBy }) => (
        <textarea
          id={id}
          className={`input input--area ${className ?? ''}`}
          aria-describedby={describedBy}
          aria-invalid={error ? true : undefined}
          {...rest}
        />
      )}
    </FieldShell>
  );
}
