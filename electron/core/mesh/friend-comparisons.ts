/**
 * The code comparison of each friendship (PROTOCOL §8.5): runs the SAS exchange of comparison.ts with a friend,
 * keeps the code both screens show, and records the person's verdict. A friend becomes verified only by that
 * verdict; only verified friends can be asked to hold a piece, or have a holding request accepted.
 */
import {
  NotFoundError,
  BadRequestError,
  TesseraError,
  UnsupportedVersionError,
} from '../../../shared/errors.ts';
import type { IdentityKeys } from '../../../shared/crypto/identity.ts';
import type { ProtocolName } from '../../../shared/protocol/protocols.ts';
import { compareAsInitiator, compareAsResponder, ResponderBudget } from './comparison.ts';
import type { FriendRecord, FriendsStore } from './friends-store.ts';
import type { Conversation } from './rpc.ts';
import { isUnsupportedProtocol } from './friend-versions.ts';
import type { FriendVersionsView } from './friend-versions.ts';

/** The friend runs a Tessera from before code comparisons (it does not speak /tessera/verify, PROTOCOL §8.5). */
export class FriendNeedsUpdateError extends UnsupportedVersionError {
  constructor(name: string) {
    super(
      `${name} needs to update Tessera: their version cannot compare codes, so they cannot keep a piece for you yet. Ask them to update, then press Compare codes again.`,
    );
  }
}

export interface ComparisonMesh {
  identityKeys(): IdentityKeys | null;
  open(peerId: string, protocol: ProtocolName): Promise<Conversation>;
  handle(protocol: ProtocolName, handler: (conv: Conversation) => Promise<void>): void;
}

export class FriendComparisons {
  private readonly mesh: ComparisonMesh;
  private readonly friends: FriendsStore;
  private readonly versions: FriendVersionsView;
  private readonly changed: () => void;
  private readonly now: () => number;
  private readonly log: (message: string) => void;
  private readonly budget: ResponderBudget;
  private readonly running = new Map<string, Promise<string>>();

  constructor(deps: {
    mesh: ComparisonMesh;
    friends: FriendsStore;
    versions: FriendVersionsView;
    changed: () => void;
    now: () => number;
    log?: (message: string) => void;
  }) {
    this.mesh = deps.mesh;
    this.friends = deps.friends;
    this.versions = deps.versions;
    this.changed = deps.changed;
    this.now = deps.now;
    this.log = deps.log ?? (() => {});
    this.budget = new ResponderBudget(deps.now);
    this.mesh.handle('verify', (conv) => this.respond(conv));
  }

  private selfKey(): Uint8Array {
    const keys = this.mesh.identityKeys();
    if (!keys)
      throw new TesseraError('UNREACHABLE', 'The network is not running yet. Try again in a moment.');
    return keys.signPublic;
  }

  private friend(peerId: string): FriendRecord {
    const f = this.friends.getFriend(peerId);
    if (!f) throw new NotFoundError('No friend with that peer ID.');
    return f;
  }

  /** Runs a new comparison as initiator (this person asked, or pairing just completed); returns the code. */
  compare(peerId: string): Promise<string> {
    const running = this.running.get(peerId);
    if (running) return running;
    const run = this.initiate(peerId).finally(() => this.running.delete(peerId));
    this.running.set(peerId, run);
    return run;
  }

  /**
   * After a pairing completed (on either side): one comparison, unless a code exists already. Both sides may finish
   * the pairing at once (each dialed the other), and two runs side by side could leave each screen with the code of
   * another run, so only the side whose peer ID sorts first starts it; the other waits up to `waitMs` for the code.
   * Failures are only logged: the person can start a comparison later; a friend whose device cannot compare codes
   * is listed as needing to update (friend-versions.ts, PROTOCOL §13.3), and nobody waits for a comparison such a
   * device would never start (identify lists no `/tessera/verify`).
   */
  async afterPairing(peerId: string, selfPeerId: string, waitMs = 0): Promise<void> {
    if (this.friends.getFriend(peerId)?.sasCode) return;
    const cannotCompare = () => this.versions.lacks(peerId).has('compare');
    if (selfPeerId < peerId) {
      if (cannotCompare()) {
        this.log(`comparing codes with ${peerId} skipped: their Tessera cannot compare codes`);
        return;
      }
      try {
        await this.compare(peerId);
      } catch (err) {
        this.log(`comparing codes with ${peerId} failed: ${String(err)}`);
      }
      return;
    }
    const until = this.now() + waitMs;
    while (this.now() < until && !this.friends.getFriend(peerId)?.sasCode && !cannotCompare())
      await new Promise((resolve) => setTimeout(resolve, 100));
  }

  private async initiate(peerId: string): Promise<string> {
    const friend = this.friend(peerId);
    const keys = { initiator: this.selfKey(), responder: friend.signPublic };
    const conv = await this.mesh.open(peerId, 'verify').catch((err: unknown) => {
      throw isUnsupportedProtocol(err) ? new FriendNeedsUpdateError(friend.name) : err;
    });
    try {
      const code = await compareAsInitiator(conv, keys);
      this.friends.setComparison(peerId, code, this.now());
      this.changed();
      return code;
    } finally {
      await conv.close();
    }
  }

  private async respond(conv: Conversation): Promise<void> {
    const friend = this.friends.getFriend(conv.remotePeer);
    if (!friend) return;
    const refusal =
      (friend.verifiedAt ?? null) !== null
        ? 'this device already confirmed your code; ask your friend to press "Compare codes" on their side'
        : !this.budget.take(friend.peerId)
          ? 'too many comparisons today; try again tomorrow, or pair again in person'
          : null;
    const code = await compareAsResponder(
      conv,
      { initiator: friend.signPublic, responder: this.selfKey() },
      refusal,
    );
    if (code === null) return;
    this.friends.setComparison(friend.peerId, code, this.now());
    this.changed();
  }

  /** The person's verdict on the code on screen. */
  judge(peerId: string, match: boolean): void {
    const friend = this.friend(peerId);
    if (!friend.sasCode)
      throw new BadRequestError(
        `There is no code to confirm with ${friend.name} yet: press "Compare codes" while you are both online.`,
      );
    this.friends.judgeComparison(peerId, match, this.now());
    this.log(`code with ${peerId} ${match ? 'confirmed' : 'did not match'}`);
    this.changed();
  }
}
