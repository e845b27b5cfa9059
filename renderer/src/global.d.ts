import type { TesseraBridge } from '../../shared/api/client.ts';

declare global {
  interface Window {
    /** The only way the renderer reaches Tessera: the preload's bridge in Electron, the HTTP bridge in a browser. */
    tessera?: TesseraBridge;
  }
}
