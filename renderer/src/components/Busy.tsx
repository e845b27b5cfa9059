import './Busy.css';

/** Progress for a long operation: a bar (determinate when `value` is given) and words saying what is happening. */
export function Busy({ label, value, max = 1 }: { label: string; value?: number; max?: number }) {
  return (
    <div className="busy" role="status" aria-live="polite">
      {value === undefined ? (
        <progress className="busy__bar" aria-label={label} />
      ) : (
        <progress className="busy__bar" aria-label={label} value={value} max={max} />
      )}
      <span className="busy__label">{label}</span>
    </div>
  );
}
