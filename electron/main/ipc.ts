import { ipcMain } from 'electron';
import type { IpcMainInvokeEvent, WebContents } from 'electron';
import type { Envelope } from '../../shared/api/contract.ts';
import type { TesseraEvent } from '../../shared/api/events.ts';
import { isAppUrl } from './app-origin.ts';
import { CALL_CHANNEL, EVENT_CHANNEL } from './ipc-channels.ts';

/** The part of TesseraCore the IPC adapter uses. */
export interface IpcCore {
  dispatch(op: unknown, input: unknown): Promise<Envelope<unknown>>;
  subscribe(listener: (event: TesseraEvent) => void): () => void;
}

/** Which web contents may call the core: the app's own window(s). */
export type TrustedContents = (contents: WebContents) => boolean;

/**
 * True only for the main frame of one of our windows, currently showing an app:// page. Anything else (a frame
 * that navigated away, a subframe, a page we did not create) is refused.
 */
export function isTrustedSender(event: IpcMainInvokeEvent, trusted: TrustedContents): boolean {
  const frame = event.senderFrame;
  if (!frame || frame.isDestroyed()) return false;
  // Only a top-level frame (the app has no subframes; frame-src 'none').
  if (frame.parent !== null) return false;
  if (!trusted(event.sender)) return false;
  return isAppUrl(frame.url);
}

const MAX_OP_LENGTH = 128;

/**
 * One invoke channel. The handler checks the sender, then hands `(op, input)` to `core.dispatch`, which checks the
 * name and validates the arguments against the contract schemas. Failures come back as envelopes, never as thrown
 * IPC errors, so the renderer sees the same shape as over HTTP.
 */
export function installIpc(core: IpcCore, trusted: TrustedContents): () => void {
  ipcMain.handle(CALL_CHANNEL, async (event, op: unknown, input: unknown): Promise<Envelope<unknown>> => {
    if (!isTrustedSender(event, trusted)) {
      console.warn(`[tessera] refused IPC call from ${event.senderFrame?.url ?? 'a destroyed frame'}`);
      return { ok: false, error: { code: 'UNAUTHORIZED', message: 'This page may not call Tessera.' } };
    }
    if (typeof op !== 'string' || op.length > MAX_OP_LENGTH) {
      return {
        ok: false,
        error: { code: 'BAD_REQUEST', message: 'The operation name must be a short string.' },
      };
    }
    return core.dispatch(op, input);
  });
  return () => ipcMain.removeHandler(CALL_CHANNEL);
}

/** Forwards every core event to the given web contents while it shows an app:// page. */
export function forwardEvents(core: IpcCore, targets: () => WebContents[]): () => void {
  return core.subscribe((event) => {
    for (const contents of targets()) {
      if (contents.isDestroyed() || !isAppUrl(contents.getURL())) continue;
      contents.send(EVENT_CHANNEL, event);
    }
  });
}
