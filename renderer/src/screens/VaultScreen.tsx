import { useCallback, useEffect, useState } from 'react';
import { api } from '../lib/api.ts';
import { useTopicVersion } from '../lib/events.tsx';
import { formatDate } from '../lib/format.ts';
import { useRouter } from '../lib/router.tsx';
import { useLoad } from '../lib/useLoad.ts';
import { Busy } from '../components/Busy.tsx';
import { ErrorNotice } from '../components/ErrorNotice.tsx';
import { PageHeader } from '../components/PageHeader.tsx';
import { ItemDetail } from './ItemDetail.tsx';
import { KindIcon } from '../components/KindIcon.tsx';
import './VaultScreen.css';

/** The vault: a searchable list of items beside the selected item. */
export function VaultScreen({ selectedId }: { selectedId: string | null }) {
  const { navigate } = useRouter();
  const [query, setQuery] = useState('');
  const [debounced, setDebounced] = useState('');
  const itemsVersion = useTopicVersion('items');

  useEffect(() => {
    const id = setTimeout(() => setDebounced(query.trim()), 200);
    return () => clearTimeout(id);
  }, [query]);

  const load = useCallback(
    () => api().call('items.list', debounced ? { query: debounced } : {}),
    [debounced],
  );
  const { data: items, error, loading, reload } = useLoad(load, itemsVersion);

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
        {!items && loading && <Busy label="Loading your items…" />}
        {items && items.length === 0 && (
          <div className="vault__empty" data-testid="vault-empty">
            {debounced ? (
              <p>No items match “{debounced}”.</p>
            ) : (
              <>
                <p>Your vault is empty.</p>
                <p className="muted">Add a password, a note or a file you want to keep safe.</p>
              </>
            )}
          </div>
        )}
        {items && items.length > 0 && (
          <ul className="vault__items" data-testid="item-list">
            {items.map((item) => (
              <li key={item.id}>
                <button
                  type="button"
                  className="vault__item"
                  aria-current={item.id === selectedId ? 'true' : undefined}
                  onClick={() => navigate({ name: 'vault', itemId: item.id })}
                >
                  <span className="vault__item-title">
                    <KindIcon kind={item.kind} /> {item.title}
                  </span>
                  <span className="vault__item-meta">
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
            ))}
          </ul>
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
