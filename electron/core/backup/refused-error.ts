import { TesseraError } from '../../../shared/errors.ts';

/** A request the custodian will not act on; the reason goes back to the owner as a `refused` message (PROTOCOL §9.2). */
export class RefusedError extends TesseraError {
  constructor(reason: string) {
    super('CONFLICT', reason);
  }
}
