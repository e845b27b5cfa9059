import { fromBase64, toBase64 } from '../../../shared/crypto/bytes.ts';
import { BadRequestError } from '../../../shared/errors.ts';
import type { Handlers } from '../../../shared/api/handlers.ts';
import type { TransferService } from './transfer-service.ts';

export type TransferHandlers = Pick<Handlers, 'items.importPreview' | 'items.importCommit' | 'items.export'>;

/** The import and export operations of the contract (shared/api/ops/transfer.ts), on top of TransferService. */
export function transferHandlers(transfer: TransferService): TransferHandlers {
  return {
    'items.importPreview': ({ format, dataBase64, password }) => {
      let bytes: Uint8Array;
      try {
        bytes = fromBase64(dataBase64);
      } catch {
        throw new BadRequestError('The file bytes are not valid base64.');
      }
      return transfer.preview(format, bytes, password);
    },
    'items.importCommit': ({ token }) => transfer.commit(token),
    'items.export': async (input) => {
      const out = await transfer.exportVault({
        plain: input.plain,
        plainUnderstood: input.plainUnderstood,
        ...(input.passphrase !== undefined ? { passphrase: input.passphrase } : {}),
      });
      return {
        dataBase64: toBase64(out.data),
        items: out.items,
        encrypted: out.encrypted,
        fileName: out.fileName,
      };
    },
  };
}
