import type { ItemKind } from '../../../shared/items/kinds.ts';
import './KindIcon.css';

/** Line drawings on a 16×16 grid, one per kind (shared/items/kinds.ts). */
const PATHS: Record<ItemKind, string> = {
  // a padlock
  secret: 'M4.5 7V5a3.5 3.5 0 0 1 7 0v2M3.5 7h9v7h-9z',
  // a key
  login: 'M6 10.5a3 3 0 1 1 2.1-5.1L14 11.3V14h-2.2v-1.4h-1.4v-1.4H9',
  // a clock
  totp: 'M8 2a6 6 0 1 0 0 12A6 6 0 0 0 8 2zM8 4.5V8l2.5 1.5',
  // a numbered list of words
  seed: 'M2.5 4h1M2.5 8h1M2.5 12h1M6 4h7.5M6 8h7.5M6 12h7.5',
  // a page with a folded corner
  note: 'M3.5 1.5h6l3 3v10h-9zM9.5 1.5v3h3M5.5 8h5M5.5 10.5h5',
};

/**
 * The kind of an item as a small picture, hidden from screen readers: wherever it is shown, the kind is also in
 * words (beside it on the detail and import screens; after the title, visually hidden, in the vault's list).
 */
export function KindIcon({ kind }: { kind: ItemKind | undefined }) {
  const k = kind ?? 'secret';
  return (
    <svg
      className={`kind-icon kind-icon--${k}`}
      viewBox="0 0 16 16"
      width="16"
      height="16"
      aria-hidden="true"
      data-kind={k}
      focusable="false"
    >
      <path d={PATHS[k]} />
    </svg>
  );
}
