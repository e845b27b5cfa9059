import { TesseraError } from '../../../shared/errors.ts';

/** A custodian answered `refused` (PROTOCOL §9.2); its reason is shown as the custodian's last error. */
export class CustodianRefusedError extends TesseraError {
  constructor(name: string, reason: string) {
    super('CONFLICT', `${name} refused: ${reason}`);
  }
}
