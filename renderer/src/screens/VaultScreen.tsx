import { useCallback, useEffect, useMemo, useState } from 'react';
import { api, errorMessage } from '../lib/api.ts';
import { useTopicVersion } from '../lib/events.tsx';
import { useRouter } from '../lib/router.tsx';
import { useLoad } from '../lib/useLoad.ts';
import { Busy } from '../components/Busy.tsx';
import { ErrorNotice } from '../components/ErrorNotice.tsx';
import { PageHeader } from '../components/PageHeader.tsx';
import { ItemDetail } from './ItemDetail.tsx';
import { ItemList } from './ItemList.tsx';
import './VaultScreen.css';

/** The answer to one search: the ids of the matching items, in list order. */
interface Found {
  query: string;
  ids: string[];
}

/**
 * The ids matching `query` (`items.search`), asked again at each keystroke and whenever the items change; the newest
 * answer only (an older one arriving late is dropped). No debounce: the core answers from its index in a few
 * milliseconds and only ids travel (docs/PERFORMANCE.md, "A vault of 10,000 items").
 */
function useSearch(query: string, version: number): { found: Found | null; error: string | null } {
  const [found, setFound] = useState<Found | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    if (!query) {
      setFound(null);
      setError(null);
      return;
    }
    let current = true;
    api()
      .call('items.search', { query })
      .then(
        ({ ids }) => {
          if (!current) return;
          setFound({ query, ids });
          setError(null);
        },
        (err: unknown) => {
          if (current) setError(errorMessage(err));
        },
      );
    return () => {
      current = false;
    };
  }, [query, version]);
  return { found, error };
}

/**
 * The vault: a searchable list of items beside the selected item. The whole list is read once (and again when the
 * items change); a search filters it by the ids the core finds (title, tags and notes), and the list renders only
 * the rows in view (ItemList).
 */
export function VaultScreen({ selectedId }: { selectedId: string | null }) {
  const { navigate } = useRouter();
  const [query, setQuery] = useState('');
  const itemsVersion = useTopicVersion('items');
  const search = query.trim();

  const load = useCallback(() => api().call('items.list', {}), []);
  const { data: all, error, loading, reload } = useLoad(load, itemsVersion);
  const { found, error: searchError } = useSearch(search, itemsVersion);

  const byId = useMemo(() => new Map(all?.map((item) => [item.id, item])), [all]);
  // Until the first answer for a new search arrives, the previous results (or the whole list) stay on screen.
  const shownQuery = search && found ? found.query : '';
  const items = useMemo(() => {
    if (!all || !shownQuery || !found) return all;
    return found.ids.flatMap((id) => byId.get(id) ?? []);
  }, [all, byId, found, shownQuery]);

  return (
    <div className={`vault ${selectedId ? 'vault--selected' : ''}`}>
      <section className="vault__list" aria-label="Items">
        <PageHeader
          title="Vault"
          actions={
            <>
              <button type="button" className="button" onClick={() => navigate({ name: 'import' })}>
                Import / export
              </button>
              <button type="button" className="button" onClick={() => navigate({ name: 'trash' })}>
                Trash
              </button>
              <button
                type="button"
                className="button button--primary"
                onClick={() => navigate({ name: 'item-new' })}
              >
                Add item
              </button>
            </>
          }
        />
        <div className="vault__search">
          <label htmlFor="vault-search" className="visually-hidden">
            Search items
          </label>
          <input
            id="vault-search"
            className="input"
            type="search"
            placeholder="Search by title, tag or note"
            value={query}
            onChange={(e) => setQuery(e.target.value)}
            maxLength={200}
          />
        </div>
        {error && <ErrorNotice message={error} onRetry={reload} />}
        {searchError && <ErrorNotice message={searchError} />}
        {!items && loading && <Busy label="Loading your items…" />}
        {items && items.length === 0 && (
          <div className="vault__empty" data-testid="vault-empty">
            {shownQuery ? (
              <p>No items match “{shownQuery}”.</p>
            ) : (
              <>
                <p>Your vault is empty.</p>
                <p className="muted">Add a password, a note or a file you want to keep safe.</p>
              </>
            )}
          </div>
        )}
        {items && items.length > 0 && (
          <ItemList
            items={items}
            selectedId={selectedId}
            resetKey={shownQuery}
            onOpen={(id) => navigate({ name: 'vault', itemId: id })}
          />
        )}
      </section>
      <section className="vault__detail" aria-label="Selected item">
        {selectedId ? (
          <ItemDetail key={selectedId} id={selectedId} />
        ) : (
          <p className="vault__placeholder muted">Choose an item to see it here.</p>
        )}
      </section>
    </div>
  );
}
