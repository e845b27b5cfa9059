import { useCallback } from 'react';
import { api } from './api.ts';
import { useTopicVersion } from './events.tsx';
import { useLoad } from './useLoad.ts';
import type { Loaded } from './useLoad.ts';
import type { Settings } from '../../../shared/api/ops/settings.ts';

/** The core's settings (auto-lock, desktop preferences, listen addresses), re-read when they change. */
export function useSettings(): Loaded<Settings> {
  const version = useTopicVersion('settings');
  const load = useCallback(() => api().call('settings.get', {}), []);
  return useLoad(load, version);
}
