import { createContext, useContext } from 'react';

/** Where the person is inside an unlocked vault. A tiny router: a value, not a URL. */
export type Route =
  | { name: 'vault'; itemId?: string }
  | { name: 'item-new' }
  | { name: 'item-edit'; itemId: string }
  | { name: 'friends' }
  | { name: 'backup' }
  | { name: 'holding' }
  | { name: 'recovery-help' }
  | { name: 'settings' };

export type RouteName = Route['name'];

export interface RouterValue {
  route: Route;
  navigate(route: Route): void;
}

export const RouterContext = createContext<RouterValue>({ route: { name: 'vault' }, navigate: () => {} });

export function useRouter(): RouterValue {
  return useContext(RouterContext);
}
