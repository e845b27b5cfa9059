import { useNotices } from '../lib/events.tsx';
import './Notices.css';

/** Messages the core wants a person to see (for example a friend asking you to hold a piece of their key). */
export function Notices() {
  const { notices, dismiss } = useNotices();
  if (notices.length === 0) return null;
  return (
    <section className="notices" aria-label="Notifications" aria-live="polite">
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
