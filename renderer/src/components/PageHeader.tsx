import { useEffect, useRef } from 'react';
import type { ReactNode } from 'react';
import './PageHeader.css';

interface Props {
  title: string;
  lead?: ReactNode;
  actions?: ReactNode;
  /** False when the screen puts focus in its first field instead (a form to fill in). */
  takeFocus?: boolean;
}

/**
 * The heading of a screen. It takes focus when the screen opens so keyboard and screen-reader users start at the
 * top of the new screen instead of wherever the old one left them.
 */
export function PageHeader({ title, lead, actions, takeFocus = true }: Props) {
  const ref = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    if (takeFocus) ref.current?.focus({ preventScroll: true });
  }, [title, takeFocus]);
  useEffect(() => {
    document.title = `${title} – Tessera`;
  }, [title]);
  return (
    <header className="page-header">
      <div className="page-header__text">
        <h1 ref={ref} tabIndex={-1} className="page-header__title">
          {title}
        </h1>
        {lead && <p className="page-header__lead">{lead}</p>}
      </div>
      {actions && <div className="page-header__actions">{actions}</div>}
    </header>
  );
}
