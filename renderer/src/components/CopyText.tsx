import { useState } from 'react';
import { errorMessage } from '../lib/api.ts';
import { copyPlain } from '../lib/clipboard.ts';
import './CopyText.css';

/** A button that copies a code that is not secret (a recovery or reply code), and says how that went. */
export function CopyText({
  text,
  label = 'Copy code',
  done,
}: {
  text: string;
  label?: string;
  /** What to say once copied: what to do with it next. */
  done: string;
}) {
  const [said, setSaid] = useState<string | null>(null);
  const copy = async () => {
    try {
      await copyPlain(text);
      setSaid(done);
    } catch (err) {
      setSaid(errorMessage(err));
    }
  };
  return (
    <div className="actions">
      <button type="button" className="button" onClick={() => void copy()}>
        {label}
      </button>
      <p className="muted copy-text__said" role="status">
        {said}
      </p>
    </div>
  );
}
