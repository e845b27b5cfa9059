import { createContext, useCallback, useContext, useEffect, useMemo, useState } from 'react';

/**
 * Where the person is inside an unlocked vault. Each route has its own address in the URL's fragment (`#/friends`),
 * so Back, Forward and reload work the same under Electron's app:// scheme and on the loopback host, and a vault
 * that locked (by hand or after a while) opens again where it was. The host's `#token=…` is read and removed before
 * any route is (bridge/http-bridge.ts).
 */
export type Route =
  | { name: 'vault'; itemId?: string }
  | { name: 'item-new' }
  | { name: 'item-edit'; itemId: string }
  | { name: 'trash' }
  | { name: 'import' }
  | { name: 'friends' }
  | { name: 'backup' }
  | { name: 'holding' }
  | { name: 'recovery-help'; approvalId?: string }
  | { name: 'settings' };

export type RouteName = Route['name'];

export interface RouterValue {
  route: Route;
  navigate(route: Route): void;
  /** Changes the current history entry instead of adding one (a step inside a screen). */
  replace(route: Route): void;
}

export const RouterContext = createContext<RouterValue>({
  route: { name: 'vault' },
  navigate: () => {},
  replace: () => {},
});

export function useRouter(): RouterValue {
  return useContext(RouterContext);
}

const enc = encodeURIComponent;

/** The fragment that names a route, for example `#/vault/ITEM` or `#/help-recover/APPROVAL`. */
export function routeToHash(route: Route): string {
  switch (route.name) {
    case 'vault':
      return route.itemId ? `#/vault/${enc(route.itemId)}` : '#/vault';
    case 'item-new':
      return '#/items/new';
    case 'item-edit':
      return `#/items/${enc(route.itemId)}/edit`;
    case 'recovery-help':
      return route.approvalId ? `#/help-recover/${enc(route.approvalId)}` : '#/help-recover';
    case 'trash':
    case 'import':
    case 'friends':
    case 'backup':
    case 'holding':
    case 'settings':
      return `#/${route.name}`;
  }
}

/** The route a fragment names, or null for anything else (an empty fragment, a token, a mistyped address). */
export function routeFromHash(hash: string): Route | null {
  const match = /^#\/([^?#]*)$/.exec(hash);
  if (!match) return null;
  let parts: string[];
  try {
    parts = (match[1] ?? '').split('/').map((p) => decodeURIComponent(p));
  } catch {
    return null;
  }
  const [first, second, third] = parts;
  switch (first) {
    case 'vault':
      if (parts.length === 1) return { name: 'vault' };
      return parts.length === 2 && second ? { name: 'vault', itemId: second } : null;
    case 'items':
      if (parts.length === 2 && second === 'new') return { name: 'item-new' };
      return parts.length === 3 && second && third === 'edit' ? { name: 'item-edit', itemId: second } : null;
    case 'help-recover':
      if (parts.length === 1) return { name: 'recovery-help' };
      return parts.length === 2 && second ? { name: 'recovery-help', approvalId: second } : null;
    case 'trash':
    case 'import':
    case 'friends':
    case 'backup':
    case 'holding':
    case 'settings':
      return parts.length === 1 ? { name: first } : null;
    default:
      return null;
  }
}

function currentRoute(): Route {
  return routeFromHash(window.location.hash) ?? { name: 'vault' };
}

/**
 * The route kept in the address: `navigate` adds a history entry, Back and Forward (and a reload) read it back.
 * `replace` changes the current entry instead (a step inside a screen that Back should not stop at).
 */
export function useHashRouter(): RouterValue {
  const [route, setRoute] = useState<Route>(currentRoute);

  useEffect(() => {
    // An address that names no route (the bare URL, or one carrying something else) shows the vault and says so.
    if (!routeFromHash(window.location.hash)) {
      history.replaceState(history.state, '', routeToHash(currentRoute()));
    }
    const onChange = () => {
      const next = routeFromHash(window.location.hash);
      if (!next) history.replaceState(history.state, '', routeToHash({ name: 'vault' }));
      setRoute(next ?? { name: 'vault' });
    };
    window.addEventListener('hashchange', onChange);
    window.addEventListener('popstate', onChange);
    return () => {
      window.removeEventListener('hashchange', onChange);
      window.removeEventListener('popstate', onChange);
    };
  }, []);

  const navigate = useCallback((next: Route) => {
    const hash = routeToHash(next);
    if (hash !== window.location.hash) history.pushState(null, '', hash);
    setRoute(next);
  }, []);
  const replace = useCallback((next: Route) => {
    history.replaceState(history.state, '', routeToHash(next));
    setRoute(next);
  }, []);
  return useMemo(() => ({ route, navigate, replace }), [route, navigate, replace]);
}
