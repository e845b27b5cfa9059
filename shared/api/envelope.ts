import { isErrorCode } from '../errors.ts';
import type { ErrorBody } from '../errors.ts';
import type { Envelope } from './contract.ts';

/**
 * Reads an envelope that crossed a process boundary (HTTP, IPC) without trusting its shape. A success's value is
 * passed on as it is (the dispatcher checked it against the contract before it left the core); an error keeps its
 * code when it is one of ours, else it becomes INTERNAL, as `fromErrorBody` would make it. Anything that is not an
 * envelope gives null.
 */
export function readEnvelope(value: unknown): Envelope<unknown> | null {
  if (typeof value !== 'object' || value === null || !('ok' in value)) return null;
  if (value.ok === true && 'value' in value) return { ok: true, value: value.value };
  if (value.ok !== false || !('error' in value)) return null;
  const error = value.error;
  if (typeof error !== 'object' || error === null || !('code' in error) || !('message' in error)) return null;
  if (typeof error.message !== 'string') return null;
  return {
    ok: false,
    error: { code: isErrorCode(error.code) ? error.code : 'INTERNAL', message: error.message },
  };
}

/** What a call answers when what came back is not an envelope (a broken or foreign answer). */
export const NOT_AN_ANSWER: ErrorBody = {
  code: 'INTERNAL',
  message: 'Tessera gave an answer that cannot be read. Restart Tessera and try again.',
};

/** `readEnvelope`, with anything else turned into the INTERNAL error above. */
export function envelopeOf(value: unknown): Envelope<unknown> {
  return readEnvelope(value) ?? { ok: false, error: NOT_AN_ANSWER };
}
