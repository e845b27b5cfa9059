import { useCallback, useEffect, useState } from 'react';
import { errorMessage } from './api.ts';

export interface Loaded<T> {
  data: T | undefined;
  error: string | null;
  loading: boolean;
  reload(): void;
}

/**
 * Runs `load` (a useCallback whose dependencies say what it reads) again whenever it changes or `watch` changes
 * (pass a topic version from useTopicVersion), and keeps the last good result while a re-read is under way, so
 * lists do not flicker when an event arrives.
 */
export function useLoad<T>(load: () => Promise<T>, watch?: unknown): Loaded<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [nonce, setNonce] = useState(0);

  useEffect(() => {
    let cancelled = false;
    setLoading(true);
    load().then(
      (value) => {
        if (cancelled) return;
        setData(value);
        setError(null);
        setLoading(false);
      },
      (err: unknown) => {
        if (cancelled) return;
        setError(errorMessage(err));
        setLoading(false);
      },
    );
    return () => {
      cancelled = true;
    };
  }, [load, nonce, watch]);

  const reload = useCallback(() => setNonce((n) => n + 1), []);
  return { data, error, loading, reload };
}
