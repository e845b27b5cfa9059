import { useEffect, useRef } from 'react';

/**
 * Calls `onIdle` once after `minutes` without keyboard, mouse or touch input in this window. The core also locks
 * after the same time without API calls; this catches a window left open whose background re-reads would
 * otherwise keep the core awake.
 */
export function useIdle(minutes: number | null, onIdle: () => void): void {
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
