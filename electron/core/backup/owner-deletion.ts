/**
 * Asking a custodian of a retired split to delete its piece (PROTOCOL §9.2, "Deletion"; deletion-conversation.ts),
 * and recording the signed deletion receipt. A custodian that predates signed requests closes the stream on the
 * unknown fields: it is asked again as it understands (it then deletes the piece, without being told why).
 */
import { RefusedError, TesseraError } from '../../../shared/errors.ts';
import type { IdentityKeys } from '../../../shared/crypto/identity.ts';
import type { BackupContext } from './backup-context.ts';
import type { CustodianRow, OwnerStore } from './owner-store.ts';
import type { CustodianChannel } from './custodian-channel.ts';
import { askToDelete, checkDeletionReceipt, deletionRequest } from './deletion-conversation.ts';

/**
 * Asks for `row`'s piece to be deleted, signed; `ended` tells them this person removed them as a friend. On a
 * checked receipt the row is `removed`.
 */
export async function requestDeletion(
  ctx: BackupContext,
  store: OwnerStore,
  channel: CustodianChannel,
  row: CustodianRow,
  ended: boolean,
): Promise<void> {
  const keys = ctx.keys() as IdentityKeys;
  const name = channel.name(row.peerId);
  const ask = (signed: boolean) =>
    channel.converse(row.peerId, (conv) =>
      askToDelete(
        conv,
        deletionRequest({ split: row.splitId, custodian: row.peerId, ended, now: ctx.now(), signed }, keys),
        name,
      ),
    );
  let receipt: Uint8Array;
  try {
    receipt = await ask(true);
  } catch (err) {
    if (!(err instanceof TesseraError) || err.code !== 'UNREACHABLE' || !ctx.friends.getFriend(row.peerId))
      throw err;
    receipt = await ask(false).catch((second: unknown) => {
      // Refusing the older form is their answer; any other failure, the first error says more.
      throw second instanceof RefusedError ? second : err;
    });
  }
  checkDeletionReceipt(receipt, { custodian: row.peerId, owner: keys.signPublic, split: row.splitId }, name);
  store.updateCustodian(
    row.splitId,
    row.peerId,
    { state: 'removed', deletionReceipt: receipt, lastError: null },
    ctx.now(),
  );
  ctx.events.changed('backup');
}

/** Removed friends who still have to be asked to delete a piece (the connection gate lets us reach them). */
export function retiringPeers(ctx: BackupContext, store: OwnerStore): string[] {
  const ids = new Set(store.custodiansToRemove().map((r) => r.peerId));
  return [...ids].filter((peerId) => ctx.friends.getFriend(peerId) === null);
}
