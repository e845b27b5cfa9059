import { useEffect, useRef, useSyncExternalStore } from 'react';

const KEY = 'tessera.autoLockMinutes';
export const AUTO_LOCK_CHOICES = [1, 5, 10, 30, 60, 0] as const;
const DEFAULT_MINUTES = 10;

const listeners = new Set<() => void>();

/**
 * Minutes of inactivity before the UI locks the vault (0 = never). Kept in this window's local storage until the
 * contract has a settings operation for it.
 */
export function getAutoLockMinutes(): number {
  try {
    const raw = localStorage.getItem(KEY);
    if (raw === null) return DEFAULT_MINUTES;
    const value = Number(raw);
    return Number.isFinite(value) && value >= 0 ? value : DEFAULT_MINUTES;
  } catch {
    return DEFAULT_MINUTES;
  }
}

export function setAutoLockMinutes(minutes: number): void {
  try {
    localStorage.setItem(KEY, String(minutes));
  } catch {
    // storage unavailable: the choice lasts for this session only
  }
  for (const listener of listeners) listener();
}

export function useAutoLockMinutes(): number {
  return useSyncExternalStore((listener) => {
    listeners.add(listener);
    return () => listeners.delete(listener);
  }, getAutoLockMinutes);
}

/** Calls `onIdle` once after `minutes` without keyboard, mouse or touch input. */
export function useIdle(minutes: number, onIdle: () => void): void {
  const onIdleRef = useRef(onIdle);
  useEffect(() => {
    onIdleRef.current = onIdle;
  }, [onIdle]);

  useEffect(() => {
    if (!minutes) return;
    let last = Date.now();
    let fired = false;
    const touch = () => {
      last = Date.now();
    };
    const events = ['pointerdown', 'pointermove', 'keydown', 'wheel', 'touchstart'] as const;
    for (const name of events) window.addEventListener(name, touch, { passive: true });
    const id = setInterval(() => {
      if (!fired && Date.now() - last >= minutes * 60_000) {
        fired = true;
        onIdleRef.current();
      }
    }, 5_000);
    return () => {
      clearInterval(id);
      for (const name of events) window.removeEventListener(name, touch);
    };
  }, [minutes]);
}
