import { useLayoutEffect, useRef } from 'react';
import { useNotices } from '../lib/events.tsx';
import './Notices.css';

/** Messages the core wants a person to see (for example a friend asking you to hold a piece of their key). */
export function Notices() {
  const { notices, dismiss } = useNotices();
  const ref = useRef<HTMLElement>(null);
  const showing = notices.length > 0;

  // The notices float over the bottom of the screen: tell the layout how much room they take (--notices-space), so
  // the last rows of a screen can still be scrolled out from under them.
  useLayoutEffect(() => {
    const element = ref.current;
    const root = document.documentElement;
    if (!showing || !element) return;
    const update = () => {
      const fromBottom = window.innerHeight - element.getBoundingClientRect().top;
      root.style.setProperty('--notices-space', `${Math.ceil(fromBottom)}px`);
    };
    update();
    const observer = new ResizeObserver(update);
    observer.observe(element);
    window.addEventListener('resize', update);
    return () => {
      observer.disconnect();
      window.removeEventListener('resize', update);
      root.style.removeProperty('--notices-space');
    };
  }, [showing]);

  if (!showing) return null;
  return (
    <section ref={ref} className="notices" aria-label="Notifications" aria-live="polite">
      {notices.map((notice) => (
        <div key={notice.id} className="notices__item" data-testid="notice">
          <div>
            <p className="notices__title">{notice.title}</p>
            <p className="notices__body">{notice.body}</p>
          </div>
          <button
            type="button"
            className="button button--small button--ghost"
            onClick={() => dismiss(notice.id)}
            aria-label={`Dismiss: ${notice.title}`}
          >
            Dismiss
          </button>
        </div>
      ))}
    </section>
  );
}
