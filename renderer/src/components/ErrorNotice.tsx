import './ErrorNotice.css';

/** Says what happened and what to do. Messages come from the contract and are rendered as text only. */
export function ErrorNotice({
  message,
  title,
  onRetry,
}: {
  message: string;
  title?: string;
  onRetry?: () => void;
}) {
  return (
    <div className="error-notice" role="alert">
      <span className="error-notice__icon" aria-hidden="true">
        !
      </span>
      <div>
        {title && <p className="error-notice__title">{title}</p>}
        <p className="error-notice__message">{message}</p>
        {onRetry && (
          <button type="button" className="button button--small" onClick={onRetry}>
            Try again
          </button>
        )}
      </div>
    </div>
  );
}
