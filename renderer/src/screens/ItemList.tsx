import { useCallback, useEffect, useRef, useState } from 'react';
import type { KeyboardEvent } from 'react';
import { defaultRangeExtractor, useVirtualizer } from '@tanstack/react-virtual';
import type { Range } from '@tanstack/react-virtual';
import type { ItemSummary } from '../../../shared/api/ops/items.ts';
import { formatDate } from '../lib/format.ts';
import { KIND_LABELS } from '../../../shared/items/kinds.ts';
import { KindIcon } from '../components/KindIcon.tsx';

/** A row's height before it is measured (one line of title, one of details, the gap below). */
const ESTIMATED_ROW_PX = 71;
/** Rows rendered beyond each edge of the visible ones, so a fast scroll does not show blank space. */
const OVERSCAN = 5;

/**
 * The vault's list, virtualized (docs/PERFORMANCE.md, "A vault of 10,000 items"): only the rows in and near view are
 * in the DOM, inside a scroller of their own, so 10,000 items render and scroll like 20, and the selected item's
 * details stay beside the list however far down it is.
 *
 * What a person relies on stays: each item is a button in a list item, with its place in the whole list
 * (`aria-posinset` of `aria-setsize`), since the DOM no longer holds every row. The list is one Tab stop (the row
 * last used, else the selected item, else the first); Up, Down, Page Up, Page Down, Home and End move between
 * rows, scrolling the next one in and focusing it; that row stays in the DOM while it has focus, even scrolled out
 * of view, so focus is never dropped.
 */
export function ItemList({
  items,
  selectedId,
  resetKey,
  onOpen,
}: {
  items: ItemSummary[];
  selectedId: string | null;
  /** When this changes (a new search), the list goes back to its top. */
  resetKey: string;
  onOpen(id: string): void;
}) {
  const scrollerRef = useRef<HTMLDivElement>(null);
  const listRef = useRef<HTMLUListElement>(null);
  const [activeId, setActiveId] = useState<string | null>(null);
  /** A row to focus once it is rendered (after a key moved to it). */
  const focusWanted = useRef<string | null>(null);

  const indexOf = useCallback(
    (id: string | null) => (id ? items.findIndex((i) => i.id === id) : -1),
    [items],
  );
  const activeIndex = Math.max(0, indexOf(activeId) >= 0 ? indexOf(activeId) : indexOf(selectedId));

  const rangeExtractor = useCallback(
    (range: Range) => {
      const rows = defaultRangeExtractor(range);
      if (activeIndex < items.length && !rows.includes(activeIndex)) rows.push(activeIndex);
      return rows.sort((a, b) => a - b);
    },
    [activeIndex, items.length],
  );
  const virtualizer = useVirtualizer({
    count: items.length,
    getScrollElement: () => scrollerRef.current,
    estimateSize: () => ESTIMATED_ROW_PX,
    getItemKey: (index) => items[index]!.id,
    overscan: OVERSCAN,
    rangeExtractor,
  });

  // A new search starts at the top of its results.
  useEffect(() => {
    virtualizer.scrollToOffset(0);
  }, [resetKey, virtualizer]);

  // An item opened from elsewhere (its address, a reload) is scrolled into view once.
  const hasItems = items.length > 0;
  const scrolledTo = useRef<string | null>(null);
  useEffect(() => {
    if (!selectedId || !hasItems || scrolledTo.current === selectedId) return;
    scrolledTo.current = selectedId;
    const index = indexOf(selectedId);
    if (index >= 0) virtualizer.scrollToIndex(index, { align: 'auto' });
  }, [selectedId, hasItems, indexOf, virtualizer]);

  // Focus follows the keys once the row they moved to is rendered.
  useEffect(() => {
    const id = focusWanted.current;
    if (!id) return;
    const button = listRef.current?.querySelector<HTMLButtonElement>(`[data-id="${id}"] button`);
    if (!button) return;
    focusWanted.current = null;
    button.focus({ preventScroll: true });
  });

  const onKeyDown = (e: KeyboardEvent<HTMLUListElement>) => {
    const page = Math.max(1, Math.floor((scrollerRef.current?.clientHeight ?? 0) / ESTIMATED_ROW_PX) - 1);
    const last = items.length - 1;
    const moves: Record<string, number> = {
      ArrowDown: Math.min(last, activeIndex + 1),
      ArrowUp: Math.max(0, activeIndex - 1),
      PageDown: Math.min(last, activeIndex + page),
      PageUp: Math.max(0, activeIndex - page),
      Home: 0,
      End: last,
    };
    const next = moves[e.key];
    if (next === undefined || e.altKey || e.ctrlKey || e.metaKey || e.shiftKey) return;
    e.preventDefault();
    const id = items[next]!.id;
    setActiveId(id);
    focusWanted.current = id;
    virtualizer.scrollToIndex(next, { align: 'auto' });
  };

  return (
    <div className="vault__scroller" ref={scrollerRef}>
      <ul
        className="vault__items"
        data-testid="item-list"
        ref={listRef}
        onKeyDown={onKeyDown}
        style={{ height: virtualizer.getTotalSize() }}
      >
        {virtualizer.getVirtualItems().map((row) => {
          const item = items[row.index]!;
          return (
            <li
              key={row.key}
              data-id={item.id}
              data-index={row.index}
              ref={virtualizer.measureElement}
              aria-setsize={items.length}
              aria-posinset={row.index + 1}
              className="vault__row"
              style={{ transform: `translateY(${row.start}px)` }}
            >
              <button
                type="button"
                className="vault__item"
                tabIndex={row.index === activeIndex ? 0 : -1}
                aria-current={item.id === selectedId ? 'true' : undefined}
                onFocus={() => setActiveId(item.id)}
                onClick={() => onOpen(item.id)}
              >
                <span className="vault__item-title">
                  <KindIcon kind={item.kind} />
                  {item.title}
                </span>
                <span className="vault__item-meta">
                  {/* The icon is only a picture: the kind in words, for screen readers, after the title. */}
                  <span className="visually-hidden">{KIND_LABELS[item.kind ?? 'secret']}</span>
                  {item.tags.length > 0 && <span>{item.tags.join(', ')}</span>}
                  {item.attachmentCount > 0 && (
                    <span>
                      {item.attachmentCount} {item.attachmentCount === 1 ? 'file' : 'files'}
                    </span>
                  )}
                  <span>Changed {formatDate(item.updatedAt)}</span>
                </span>
              </button>
            </li>
          );
        })}
      </ul>
    </div>
  );
}
