import { useEffect, useState } from 'react';
import { clearClipboard, dismissClipboardNotice, useClipboardState } from '../lib/clipboard.ts';
import './ClipboardStatus.css';

/** A small bar saying a secret is on the clipboard and when it will be cleared. */
export function ClipboardStatus() {
  const { label, clearAt, cleared } = useClipboardState();
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!clearAt) return;
    setNow(Date.now());
    const id = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(id);
  }, [clearAt]);
  useEffect(() => {
    if (!cleared) return;
    const id = setTimeout(dismissClipboardNotice, 4000);
    return () => clearTimeout(id);
  }, [cleared]);

  if (clearAt && label) {
    const seconds = Math.max(0, Math.ceil((clearAt - now) / 1000));
    return (
      <div className="clipboard-status" role="status" data-testid="clipboard-status">
        <span>
          Copied the {label}. The clipboard will be cleared in {seconds} s.
        </span>
        <button type="button" className="button button--small" onClick={() => void clearClipboard()}>
          Clear now
        </button>
      </div>
    );
  }
  if (cleared) {
    return (
      <div className="clipboard-status" role="status" data-testid="clipboard-status">
        <span>Clipboard cleared.</span>
      </div>
    );
  }
  return null;
}
