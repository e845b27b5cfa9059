import { contextBridge, ipcRenderer } from 'electron';
import type { IpcRendererEvent } from 'electron';
import type { TesseraBridge } from '../../shared/api/client.ts';
import type { Envelope } from '../../shared/api/contract.ts';
import { envelopeOf } from '../../shared/api/envelope.ts';
import type { TesseraEvent } from '../../shared/api/events.ts';
import { CALL_CHANNEL, EVENT_CHANNEL } from '../main/ipc-channels.ts';

/**
 * The sandboxed preload (bundled to out/preload/index.cjs). It exposes exactly the TesseraBridge shape as
 * `window.tessera` — two functions — and never ipcRenderer or the IPC event (whose `sender` is ipcRenderer).
 * The main process checks the sender and the contract validates every argument.
 */
const bridge: TesseraBridge = {
  async call(op: string, input: unknown): Promise<Envelope<unknown>> {
    const answer: unknown = await ipcRenderer.invoke(CALL_CHANNEL, op, input);
    return envelopeOf(answer);
  },
  onEvent(listener: (event: TesseraEvent) => void): () => void {
    if (typeof listener !== 'function') throw new TypeError('onEvent needs a function');
    const handler = (_event: IpcRendererEvent, event: TesseraEvent) => listener(event);
    ipcRenderer.on(EVENT_CHANNEL, handler);
    return () => {
      ipcRenderer.removeListener(EVENT_CHANNEL, handler);
    };
  },
};

contextBridge.exposeInMainWorld('tessera', bridge);
