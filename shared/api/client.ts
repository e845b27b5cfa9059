import { fromErrorBody } from '../errors.ts';
import type { Envelope, OpInput, OpName, OpOutput } from './contract.ts';
import type { TesseraEvent } from './events.ts';

/**
 * What an adapter's transport provides: the preload's `window.tessera` in Electron, the HTTP client in the
 * headless host, the local-API client in the CLI. It is deliberately untyped and narrow; `createClient` adds types.
 */
export interface TesseraBridge {
  call(op: string, input: unknown): Promise<Envelope<unknown>>;
  onEvent(listener: (event: TesseraEvent) => void): () => void;
}

export interface TesseraClient {
  call<N extends OpName>(op: N, input: OpInput<N>): Promise<OpOutput<N>>;
  onEvent(listener: (event: TesseraEvent) => void): () => void;
}

/** What runs the contract in this process: TesseraCore's `dispatch` and `subscribe` (electron/core/core.ts). */
export interface LocalCore {
  dispatch(op: string, input: unknown): Promise<Envelope<unknown>>;
  subscribe(listener: (event: TesseraEvent) => void): () => void;
}

/** The bridge to a core in this process: the desktop shell, `tessera serve`, a CLI command run without a serve. */
export function localBridge(core: LocalCore): TesseraBridge {
  return {
    call: (op, input) => core.dispatch(op, input),
    onEvent: (listener) => core.subscribe(listener),
  };
}

/** Typed client over any bridge: unwraps envelopes, throws TesseraError with the server's code and message. */
export function createClient(bridge: TesseraBridge): TesseraClient {
  return {
    async call(op, input) {
      const envelope = await bridge.call(op, input);
      if (!envelope.ok) throw fromErrorBody(envelope.error);
      return envelope.value as never;
    },
    onEvent: (listener) => bridge.onEvent(listener),
  };
}
