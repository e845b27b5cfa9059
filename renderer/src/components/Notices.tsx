import { useNotices } from '../lib/events.tsx';
import './Notices.css';

/**
 * Messages the core wants a person to see (for example a friend asking you to hold a piece of their key), and the
 * UI's own (an item deleted, with Undo). They sit in a band under the screen, not over it: the screen gets shorter
 * while any show, and nothing on it is ever hidden behind one.
 */
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
          <div className="notices__actions">
            {notice.action && (
              <button
                type="button"
                className="button button--small"
                onClick={() => {
                  notice.action?.run();
                  dismiss(notice.id);
                }}
              >
                {notice.action.label}
              </button>
            )}
            <button
              type="button"
              className="button button--small button--ghost"
              onClick={() => dismiss(notice.id)}
              aria-label={`Dismiss: ${notice.title}`}
            >
              Dismiss
            </button>
          </div>
        </div>
      ))}
    </section>
  );
}
