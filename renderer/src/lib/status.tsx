import { createContext, useContext } from 'react';
import type { Status } from '../../../shared/api/ops/app.ts';

export interface StatusValue {
  status: Status;
  /** Re-reads `app.status`. */
  refresh(): Promise<void>;
  /**
   * Records a status returned by an operation (vault.create, unlock, lock). `auto` means the UI locked the vault
   * itself after a period of inactivity.
   */
  setStatus(status: Status, reason?: 'user' | 'auto'): void;
  /** Call before asking the core to lock, so the resulting `changed` event is not mistaken for an auto-lock. */
  expectLock(): void;
}

export const StatusContext = createContext<StatusValue | null>(null);

export function useStatus(): StatusValue {
  const value = useContext(StatusContext);
  if (!value) throw new Error('useStatus outside StatusContext');
  return value;
}
