import { createContext, useCallback, useContext, useEffect, useMemo, useState } from 'react';
import type { ReactNode } from 'react';
import type { Topic } from '../../../shared/api/events.ts';
import { api } from './api.ts';

export interface Notice {
  id: number;
  title: string;
  body: string;
}

interface EventsValue {
  versions: Partial<Record<Topic, number>>;
  notices: Notice[];
  dismiss(id: number): void;
}

const EventsContext = createContext<EventsValue>({ versions: {}, notices: [], dismiss: () => {} });

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
        } else {
          const notice = { id: nextNoticeId++, title: event.title, body: event.body };
          setNotices((prev) => [...prev.slice(-4), notice]);
        }
      });
    } catch {
      // No bridge: App shows the connection error.
    }
    return () => off?.();
  }, []);

  const dismiss = useCallback((id: number) => setNotices((prev) => prev.filter((n) => n.id !== id)), []);
  const value = useMemo(() => ({ versions, notices, dismiss }), [versions, notices, dismiss]);
  return <EventsContext.Provider value={value}>{children}</EventsContext.Provider>;
}

/** A number that changes whenever the core says `topic` changed. Put it in a loader's dependencies. */
export function useTopicVersion(topic: Topic): number {
  return useContext(EventsContext).versions[topic] ?? 0;
}

export function useNotices(): { notices: Notice[]; dismiss(id: number): void } {
  const { notices, dismiss } = useContext(EventsContext);
  return { notices, dismiss };
}
