import { createClient } from '../../../shared/api/client.ts';
import type { TesseraClient } from '../../../shared/api/client.ts';
import { TesseraError } from '../../../shared/errors.ts';
import type { ErrorCode } from '../../../shared/errors.ts';

let client: TesseraClient | null = null;

/** The one way the renderer reaches Tessera: `window.tessera`, typed by the contract. */
export function api(): TesseraClient {
  if (!client) {
    if (!window.tessera) {
      throw new TesseraError(
        'NO_DAEMON',
        'Tessera is not connected. Close this window and open Tessera again.',
      );
    }
    client = createClient(window.tessera);
  }
  return client;
}

/** When a message is not fit to show (developer text slipped through), what to say instead, by error code. */
const FALLBACK: Partial<Record<ErrorCode, string>> = {
  BAD_REQUEST: 'Tessera could not do that with what was entered. Check it and try again.',
  INVALID_CODE: 'This code cannot be used. Check it against the original, or ask for a new one.',
  UNREACHABLE:
    'The other device could not be reached. Check that it is on and on the same network, then try again.',
  TIMEOUT:
    'The other device did not answer in time. Check that it is on and on the same network, then try again.',
  TOO_LARGE: 'That is too large for Tessera to keep. Make it smaller and try again.',
};
const GENERIC = 'Something went wrong. Try again; if it keeps happening, restart Tessera.';

/**
 * Developer text: operation names ("items.create"), schema paths ("attachments[1]"), zod's marks, socket and
 * libp2p words, encoder names and stack frames. The core's messages are written for people; this is the last guard.
 */
const TECHNICAL =
  /\b(?:app|vault|items|friends|backup|held|requests|recovery|settings)\.[a-z][A-Za-z]+\b|\w\[\d+\]|✖|\bE(?:CONN\w*|ADDRINUSE|HOSTUNREACH|NETUNREACH|PIPE|TIMEDOUT)\b|\bgater\b|\bdial(?:ed|ing|s)?\b|\bBase(?:32|58|64)\b|Invalid arguments|Invalid input|\bat file:|\.tsx?:\d+|\bat (?:async )?\S+ \(|\b[A-Z][a-z]+(?:[A-Z][a-z]+)*Error\b/i;

/** Whether `message` holds developer text a person should not see. */
export function looksTechnical(message: string): boolean {
  return TECHNICAL.test(message);
}

/** What to show a person for any failure: the contract's message says what happened and what to do. */
export function errorMessage(err: unknown): string {
  const code = err instanceof TesseraError ? err.code : 'INTERNAL';
  const message = err instanceof Error ? err.message : '';
  if (!message || (err instanceof TesseraError && code === 'INTERNAL') || looksTechnical(message))
    return FALLBACK[code] ?? GENERIC;
  return message;
}
