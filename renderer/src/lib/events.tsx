import { createContext, useCallback, useContext, useEffect, useMemo, useState } from 'react';
import type { ReactNode } from 'react';
import type { Topic } from '../../../shared/api/events.ts';
import { api } from './api.ts';

export interface Notice {
  id: number;
  title: string;
  body: string;
  /** What the notice is about (a request, a comparison): a newer notice with the same key replaces it. */
  key?: string;
  /** An action offered with the notice (Undo). */
  action?: { label: string; run(): void };
}

/** Adds `notice`, replacing one with the same key; keeps the last five. */
function addNotice(prev: Notice[], notice: Notice): Notice[] {
  const rest = notice.key ? prev.filter((n) => n.key !== notice.key) : prev;
  return [...rest.slice(-4), notice];
}

interface EventsValue {
  versions: Partial<Record<Topic, number>>;
  notices: Notice[];
  dismiss(id: number): void;
  /** Shows a message from the UI itself (for example a follow-up step that failed after the main one worked). */
  notify(title: string, body: string, options?: { key?: string; action?: Notice['action'] }): void;
}

const EventsContext = createContext<EventsValue>({
  versions: {},
  notices: [],
  dismiss: () => {},
  notify: () => {},
});

let nextNoticeId = 1;

/**
 * Listens to the one event stream. `changed` events bump a counter per topic; screens that read a topic re-read
 * it when its counter moves. `notice` events become dismissible messages.
 */
export function EventsProvider({ children }: { children: ReactNode }) {
  const [versions, setVersions] = useState<Partial<Record<Topic, number>>>({});
  const [notices, setNotices] = useState<Notice[]>([]);

  useEffect(() => {
    let off: (() => void) | undefined;
    try {
      off = api().onEvent((event) => {
        if (event.type === 'changed') {
          setVersions((prev) => {
            const next = { ...prev };
            for (const topic of event.topics) next[topic] = (next[topic] ?? 0) + 1;
            return next;
          });
        } else if (event.type === 'notice') {
          const notice: Notice = { id: nextNoticeId++, title: event.title, body: event.body };
          if (event.key) notice.key = event.key;
          setNotices((prev) => addNotice(prev, notice));
        } else {
          // Its cause is gone (answered, expired): a notice asking for it would mislead.
          setNotices((prev) => prev.filter((n) => n.key !== event.key));
        }
      });
    } catch {
      // No bridge: App shows the connection error.
    }
    return () => off?.();
  }, []);

  const dismiss = useCallback((id: number) => setNotices((prev) => prev.filter((n) => n.id !== id)), []);
  const notify = useCallback(
    (title: string, body: string, options?: { key?: string; action?: Notice['action'] }) =>
      setNotices((prev) => addNotice(prev, { id: nextNoticeId++, title, body, ...options })),
    [],
  );
  const value = useMemo(() => ({ versions, notices, dismiss, notify }), [versions, notices, dismiss, notify]);
  return <EventsContext.Provider value={value}>{children}</EventsContext.Provider>;
}

/** A number that changes whenever the core says `topic` changed. Put it in a loader's dependencies. */
export function useTopicVersion(topic: Topic): number {
  return useContext(EventsContext).versions[topic] ?? 0;
}

export function useNotices(): {
  notices: Notice[];
  dismiss(id: number): void;
  notify(title: string, body: string, options?: { key?: string; action?: Notice['action'] }): void;
} {
  const { notices, dismiss, notify } = useContext(EventsContext);
  return { notices, dismiss, notify };
}
