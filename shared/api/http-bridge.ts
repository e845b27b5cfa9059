import type { TesseraBridge } from './client.ts';
import type { Envelope } from './contract.ts';
import { envelopeOf } from './envelope.ts';
import { followEvents } from './event-stream.ts';
import type { ErrorBody } from '../errors.ts';

/**
 * The one client of the local API (docs/ARCHITECTURE.md, "Headless host"): `POST /api/call {op, input}` answered
 * with an envelope, `GET /api/events` a server-sent event stream, a bearer token on both. The browser UI runs it on
 * the page's `fetch`; the CLI on a fetch of its own whose connections proved they reach the real serve before the
 * token is written (electron/cli/http-bridge.ts). Only what both fetches share is used, so shared/ stays free of
 * DOM and Node types.
 */

/** A stream's reader, as `Response.body.getReader()` gives it. */
export interface ByteReader {
  read(): Promise<{ done: boolean; value?: Uint8Array }>;
  cancel(): Promise<void>;
}

/** The part of a fetch `Response` the bridge reads. */
export interface HttpResponse {
  readonly status: number;
  text(): Promise<string>;
  readonly body: { getReader(): ByteReader } | null;
}

export interface HttpRequestInit {
  method: 'GET' | 'POST';
  headers: Record<string, string>;
  body?: string;
}

export type HttpFetch = (url: string, init: HttpRequestInit) => Promise<HttpResponse>;

export interface HttpBridgeOptions {
  fetch: HttpFetch;
  /** Prefix of the API's paths: '' in the browser (the page's own origin), `http://127.0.0.1:PORT` elsewhere. */
  origin: string;
  token: string | null;
  /** What a call answers when the host cannot be reached (`cause` is what the fetch threw). */
  unreachable(cause: unknown): ErrorBody;
  /** What a call answers when the host refuses the token (HTTP 401); absent: the host's own words. */
  unauthorized?: ErrorBody;
}

export function createHttpBridge(options: HttpBridgeOptions): TesseraBridge {
  const headers = (): Record<string, string> =>
    options.token ? { authorization: `Bearer ${options.token}` } : {};
  return {
    async call(op, input): Promise<Envelope<unknown>> {
      let text: string;
      try {
        const response = await options.fetch(`${options.origin}/api/call`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...headers() },
          body: JSON.stringify({ op, input }),
        });
        if (response.status === 401 && options.unauthorized)
          return { ok: false, error: options.unauthorized };
        text = await response.text();
      } catch (err) {
        // Nothing answered, or the connection broke before the whole answer arrived.
        return { ok: false, error: options.unreachable(err) };
      }
      let parsed: unknown = null;
      try {
        parsed = JSON.parse(text);
      } catch {
        // Not JSON: not an answer of ours (below).
      }
      return envelopeOf(parsed);
    },
    onEvent(listener) {
      const stop = { aborted: false };
      let current: ByteReader | null = null;
      void followEvents(
        async () => {
          const response = await options.fetch(`${options.origin}/api/events`, {
            method: 'GET',
            headers: headers(),
          });
          if (response.status !== 200 || !response.body) {
            await response.body?.getReader().cancel();
            throw new Error(`events: HTTP ${response.status}`);
          }
          const reader = response.body.getReader();
          current = reader;
          // Unsubscribed while the request was on its way: end this stream at once.
          if (stop.aborted) await reader.cancel();
          const decoder = new TextDecoder();
          return {
            async read() {
              const next = await reader.read();
              if (next.done) return { done: true };
              return { done: false, value: decoder.decode(next.value, { stream: true }) };
            },
          };
        },
        stop,
        listener,
      );
      return () => {
        stop.aborted = true;
        current?.cancel().catch(() => {});
      };
    },
  };
}
