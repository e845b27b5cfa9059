import { useEffect, useState } from 'react';
import { parseOtpauth, totpCode } from '../../../shared/items/totp.ts';
import { errorMessage } from '../lib/api.ts';
import { copySensitive } from '../lib/clipboard.ts';
import { ErrorNotice } from './ErrorNotice.tsx';
import './TotpCode.css';

/** The time, re-read four times a second so a countdown ticks on the second. */
function useNow(): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 250);
    return () => clearInterval(timer);
  }, []);
  return now;
}

/** "123 456": codes are read out in two halves. */
const grouped = (code: string) =>
  code.length >= 6 ? `${code.slice(0, code.length / 2)} ${code.slice(code.length / 2)}` : code;

/**
 * The current one-time code of an `otpauth://totp/` URI (RFC 6238, shared/items/totp.ts), with the seconds it stays
 * valid counting down, and a copy button. A URI that cannot be read shows why instead.
 */
export function TotpCode({ uri, title }: { uri: string; title: string }) {
  const now = useNow();
  const [copyError, setCopyError] = useState<string | null>(null);
  let current: ReturnType<typeof totpCode>;
  let setup: ReturnType<typeof parseOtpauth>;
  try {
    current = totpCode(uri, now);
    setup = parseOtpauth(uri);
  } catch (err) {
    return <p className="field__error">{errorMessage(err)}</p>;
  }
  const copy = async () => {
    setCopyError(null);
    try {
      await copySensitive(current.code, `one-time code of “${title}”`);
    } catch (err) {
      setCopyError(errorMessage(err));
    }
  };
  const account = [setup.issuer, setup.label].filter(Boolean).join(' · ');
  return (
    <div className="totp">
      <div className="totp__row">
        <code
          className="totp__code mono"
          data-testid="totp-code"
          aria-label={`Code ${current.code.split('').join(' ')}`}
        >
          {grouped(current.code)}
        </code>
        <span className="totp__remaining" data-testid="totp-remaining">
          {current.remaining} s
        </span>
        <button type="button" className="button button--small" onClick={() => void copy()}>
          Copy code
        </button>
      </div>
      <progress
        className="totp__bar"
        max={current.period}
        value={current.remaining}
        aria-label={`${current.remaining} of ${current.period} seconds left for this code`}
      />
      {account && <p className="muted totp__account">{account}</p>}
      {copyError && <ErrorNotice message={copyError} />}
    </div>
  );
}
