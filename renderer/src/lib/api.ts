import { createClient } from '../../../shared/api/client.ts';
import type { TesseraClient } from '../../../shared/api/client.ts';
import { TesseraError } from '../../../shared/errors.ts';

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

/** What to show a person for any failure: the contract's message says what happened and what to do. */
export function errorMessage(err: unknown): string {
  if (err instanceof TesseraError) return err.message;
  if (err instanceof Error && err.message) return err.message;
  return 'Something went wrong. Try again; if it keeps happening, restart Tessera.';
}
