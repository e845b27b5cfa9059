/**
 * Removing a friend is a decision about the backup too (PROTOCOL §9.2, "Deletion"; SECURITY.md, "Removing a
 * friend"): optionally a new backup without them first (a fresh split, PROTOCOL §9), then they are asked, signed and
 * while the connection gate still admits them, to delete every piece they keep and are told why; what we keep for
 * them is deleted here; only then are they removed from the friends list (and the gate, unless they still have to
 * be asked: PROTOCOL §8.1).
 */
import { BadRequestError } from '../../shared/errors.ts';
import type { OpArgs, OpOutput } from '../../shared/api/contract.ts';
import type { MeshService } from './mesh/mesh-service.ts';
import type { BackupServices } from './backup/backup-services.ts';

export class RemovedFriendInBackupError extends BadRequestError {
  constructor(name: string) {
    super(`The new backup cannot include ${name}, the friend you are removing. Choose other friends.`);
  }
}

export async function removeFriend(
  deps: { mesh: MeshService; backup: BackupServices },
  input: OpArgs<'friends.remove'>,
): Promise<OpOutput<'friends.remove'>> {
  const { mesh, backup } = deps;
  await mesh.ready();
  const friend = mesh.friends.getFriend(input.peerId);
  if (!friend) {
    await mesh.remove(input.peerId); // a pending pairing (or NOT_FOUND)
    return {};
  }
  if (input.reshare) {
    if (input.reshare.custodians.includes(input.peerId))
      throw new RemovedFriendInBackupError(mesh.friend(input.peerId).name);
    await backup.owner.create(input.reshare);
  }
  const piece = await backup.owner.retireCustodian(input.peerId);
  backup.custodian.forgetOwner(input.peerId);
  await mesh.remove(input.peerId);
  return { piece };
}
