import { Notification } from 'electron';
import type { TesseraEvent } from '../../shared/api/events.ts';

/**
 * System notifications. Live notifications are kept referenced until closed, otherwise Electron may collect them
 * and their click handler is lost. Titles and bodies are plain text (Electron escapes markup for Linux daemons).
 */
const live = new Set<Notification>();

export function notify(title: string, body: string, onClick: () => void): void {
  if (!Notification.isSupported()) {
    console.log(`[tessera] ${title}: ${body}`);
    return;
  }
  const notification = new Notification({ title, body });
  live.add(notification);
  const forget = () => live.delete(notification);
  notification.on('click', () => {
    forget();
    onClick();
  });
  notification.on('close', forget);
  notification.on('failed', forget);
  notification.show();
}

/** Turns the core's `notice` events (e.g. a friend asks for their shard) into system notifications. */
export function forwardNotices(
  subscribe: (listener: (event: TesseraEvent) => void) => () => void,
  onClick: () => void,
): () => void {
  return subscribe((event) => {
    if (event.type === 'notice') notify(event.title, event.body, onClick);
  });
}
