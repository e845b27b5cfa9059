import { useSyncExternalStore } from 'react';

export const CLIPBOARD_CLEAR_SECONDS = 30;

export interface ClipboardState {
  /** What was copied (a label such as "secret of Email"), or null when nothing sensitive is waiting. */
  label: string | null;
  /** When the clipboard will be cleared (ms since epoch). */
  clearAt: number | null;
  /** Set after the clear ran, so the UI can say it happened. */
  cleared: boolean;
}

let state: ClipboardState = { label: null, clearAt: null, cleared: false };
let pendingText: string | null = null;
let timer: ReturnType<typeof setTimeout> | null = null;
const listeners = new Set<() => void>();

function set(next: ClipboardState): void {
  state = next;
  for (const listener of listeners) listener();
}

/**
 * Copies a secret and clears the clipboard after 30 seconds, but only if it still holds what we put there (when
 * the browser will not let us read the clipboard, it is cleared anyway: better safe). Throws a message a person
 * can act on when the clipboard is not available.
 */
export async function copySensitive(text: string, label: string): Promise<void> {
  if (!navigator.clipboard?.writeText) {
    throw new Error('This window cannot use the clipboard. Reveal the secret and copy it by hand instead.');
  }
  try {
    await navigator.clipboard.writeText(text);
  } catch {
    throw new Error(
      'Tessera was not allowed to use the clipboard. Allow clipboard access for this page, or reveal the secret and copy it by hand.',
    );
  }
  pendingText = text;
  if (timer) clearTimeout(timer);
  timer = setTimeout(() => void clearClipboard(), CLIPBOARD_CLEAR_SECONDS * 1000);
  set({ label, clearAt: Date.now() + CLIPBOARD_CLEAR_SECONDS * 1000, cleared: false });
}

/** Clears the clipboard now if a copied secret may still be on it (also used when the vault locks). */
export async function clearClipboard(): Promise<void> {
  if (timer) clearTimeout(timer);
  timer = null;
  const text = pendingText;
  pendingText = null;
  if (text === null) return;
  let stillOurs = true;
  try {
    stillOurs = (await navigator.clipboard.readText()) === text;
  } catch {
    stillOurs = true;
  }
  try {
    if (stillOurs) await navigator.clipboard.writeText('');
  } catch {
    // Nothing more we can do; the notice below still tells the person.
  }
  set({ label: null, clearAt: null, cleared: true });
}

/** Plain copy for things that are not secret (an invite, a peer ID). */
export async function copyPlain(text: string): Promise<void> {
  try {
    await navigator.clipboard.writeText(text);
  } catch {
    throw new Error('Tessera was not allowed to use the clipboard. Select the text and copy it by hand.');
  }
}

export function useClipboardState(): ClipboardState {
  return useSyncExternalStore(
    (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    () => state,
  );
}

export function dismissClipboardNotice(): void {
  if (state.cleared) set({ ...state, cleared: false });
}
