import { useEffect, useState } from 'react';
import { formatDate, formatRemaining } from '../lib/format.ts';

/** The current time, re-read every `everyMs` while mounted: for countdowns. */
export function useNow(everyMs = 1000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const id = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(id);
  }, [everyMs]);
  return now;
}

/**
 * "in 14 s", "in 1 day 3 hours", ticking; the moment itself is in the title and the `time` element. A timer, never
 * live, even inside a live region: screen readers do not announce each tick, and read it when the person gets to it.
 */
export function Countdown({ until, testId }: { until: number; testId?: string }) {
  const now = useNow();
  const left = until - now;
  return (
    <time
      dateTime={new Date(until).toISOString()}
      title={formatDate(until)}
      role="timer"
      aria-live="off"
      className="countdown"
      data-testid={testId}
    >
      {left > 0 ? `in ${formatRemaining(left)}` : 'any moment now'}
    </time>
  );
}
