/**
 * Friends see a new name (PROTOCOL §8.6, /tessera/profile/1.0.0). When the person renames themselves, every friend is
 * sent a name notice signed by the identity key with a serial that only grows: connected friends at once, the others
 * when they next connect (what was delivered is remembered for this run; after a restart each friend is sent the
 * current notice once more, which they take as already known). A friend whose Tessera does not speak the protocol
 * is skipped until it next connects. A received notice updates the friend's chosen name, never the nickname the person
 * gave them, and is refused when its serial is older than the last one accepted (a replayed old name).
 */
import type { IdentityKeys } from '../../../shared/crypto/identity.ts';
import { signPublicFromPeerId } from '../../../shared/crypto/identity.ts';
import type { TesseraEvent } from '../../../shared/api/events.ts';
import {
  decodeProfileMessage,
  encodeProfileMessage,
  judgeNameNotice,
  nextNameSerial,
  openNameNotice,
  signNameNotice,
} from '../../../shared/protocol/profile.ts';
import type { FriendsStore } from './friends-store.ts';
import { shownName } from './friends-store.ts';
import type { Conversation } from './rpc.ts';

const UNSUPPORTED_RETRY_MS = 2_000;

export interface NameNoticeDeps {
  friends: FriendsStore;
  keys(): IdentityKeys | null;
  open(peerId: string): Promise<Conversation>;
  connectedFriends(): string[];
  changed(): void;
  emit(event: TesseraEvent): void;
  now(): number;
  log(message: string): void;
}

export class NameNotices {
  private readonly deps: NameNoticeDeps;
  /** Per friend, the serial delivered (or skipped: an older Tessera) in this run. */
  private readonly delivered = new Map<string, number>();
  private readonly sending = new Map<string, Promise<void>>();

  constructor(deps: NameNoticeDeps) {
    this.deps = deps;
  }

  /**
   * The notice for `name`, the person's own name now: the stored one, or a new serial when the name changed since
   * (a rename, or one made before a crash stored nothing). A name never announced starts at serial 0: friends have
   * it from pairing, nothing to send.
   */
  own(name: string): { name: string; serial: number } {
    const stored = this.deps.friends.ownNameNotice();
    if (stored && stored.name === name) return stored;
    const next = stored
      ? { name, serial: nextNameSerial(stored.serial, this.deps.now()) }
      : { name, serial: 0 };
    this.deps.friends.setOwnNameNotice(next);
    return next;
  }

  /** The person renamed themselves: tell every connected friend now (the others when they connect). */
  renamed(name: string): void {
    const notice = this.own(name);
    if (notice.serial === 0) return;
    this.deps.log(`name: announcing "${name}" (serial ${notice.serial})`);
    for (const peerId of this.deps.connectedFriends()) this.deliver(peerId, notice);
  }

  /** A friend connected: send the current notice if this run has not delivered it to them yet. */
  connected(peerId: string, name: string): void {
    const notice = this.own(name);
    if (notice.serial === 0 || this.delivered.get(peerId) === notice.serial) return;
    this.deliver(peerId, notice);
  }

  /** Waits for the deliveries under way (tests, shutdown). */
  async settled(): Promise<void> {
    await Promise.all([...this.sending.values()]);
  }

  private deliver(peerId: string, notice: { name: string; serial: number }, again = false): void {
    if (this.sending.has(peerId)) {
      // One at a time per friend; the newest notice follows the one under way.
      void this.sending.get(peerId)!.then(() => {
        if (this.delivered.get(peerId) !== notice.serial) this.deliver(peerId, notice);
      });
      return;
    }
    const run = this.send(peerId, notice, again).finally(() => this.sending.delete(peerId));
    this.sending.set(peerId, run);
  }

  private async send(
    peerId: string,
    notice: { name: string; serial: number },
    again: boolean,
  ): Promise<void> {
    const keys = this.deps.keys();
    if (!keys) return;
    let conv: Conversation;
    try {
      conv = await this.deps.open(peerId);
    } catch (err) {
      if (unsupported(err) && !again) {
        // A node that has just started may not serve its protocols yet: ask once more a moment later.
        setTimeout(() => this.deliver(peerId, notice, true), UNSUPPORTED_RETRY_MS).unref();
      } else if (unsupported(err)) {
        // An older Tessera: skipped (it keeps the name it was paired with); tried again when it next connects.
        this.deps.log(`name: ${peerId} does not take name notices (older Tessera); skipped`);
      } else this.deps.log(`name: ${peerId} not reached (${describe(err)}); next time it connects`);
      return;
    }
    try {
      const signed = signNameNotice({ key: keys.signPublic, ...notice }, keys.signSeed);
      await conv.send(encodeProfileMessage({ t: 1, ...signed }));
      const reply = decodeProfileMessage(await conv.receive());
      if (reply.t === 3) this.deps.log(`name: ${peerId} refused the notice: ${reply.reason}`);
      else if (reply.t !== 2) throw new Error('unexpected answer');
      // Refused too counts as answered: sending it again would be refused again.
      this.delivered.set(peerId, notice.serial);
      await conv.close();
    } catch (err) {
      conv.abort(describe(err));
      this.deps.log(`name: telling ${peerId} failed (${describe(err)}); next time it connects`);
    }
  }

  /** A friend's notice (the handler of /tessera/profile/1.0.0; the gate admits friends only). */
  async serve(conv: Conversation): Promise<void> {
    const refuse = (reason: string) => conv.send(encodeProfileMessage({ t: 3, reason }));
    const msg = decodeProfileMessage(await conv.receive());
    if (msg.t !== 1) return refuse('expected a name notice');
    const friend = this.deps.friends.getFriend(conv.remotePeer);
    if (!friend) return refuse('you are not a friend of this device');
    let notice;
    try {
      notice = openNameNotice(msg.body, msg.sig, signPublicFromPeerId(conv.remotePeer));
    } catch (err) {
      return refuse(`the name notice does not verify (${describe(err)})`.slice(0, 200));
    }
    const verdict = judgeNameNotice(notice, this.deps.friends.nameSerial(friend.peerId), friend.name);
    if (verdict === 'replay') {
      this.deps.log(`name: refused an older name from ${friend.peerId} (serial ${notice.serial})`);
      return refuse('this name is older than the one you sent before');
    }
    if (verdict === 'accept' && this.deps.friends.acceptName(friend.peerId, notice.name, notice.serial)) {
      if (notice.name !== friend.name) this.announce(friend, notice.name);
      this.deps.changed();
    }
    await conv.send(encodeProfileMessage({ t: 2 }));
  }

  private announce(friend: { peerId: string; name: string; nickname?: string | null }, name: string): void {
    const nickname = friend.nickname ?? null;
    this.deps.emit({
      type: 'notice',
      key: `renamed:${friend.peerId}`,
      title: `${friend.name} is now called ${name}`,
      body: nickname
        ? `You call them ${shownName(friend)} on this device; that stays until you change it under Friends.`
        : `Friends and backups show ${name} from now on.`,
    });
  }
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Protocol negotiation failed: the friend's node does not serve /tessera/profile/1.0.0. */
function unsupported(err: unknown): boolean {
  for (let e: unknown = err; e instanceof Error; e = e.cause) {
    if (
      e.name === 'UnsupportedProtocolError' ||
      /protocol selection failed|unsupported protocol/i.test(e.message)
    )
      return true;
  }
  return false;
}
