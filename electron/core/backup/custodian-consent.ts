/**
 * The custodian's consent (PROTOCOL §9.2, "Holding request", "Consent answer"): a friend's request is kept and shown
 * to the person (a notice), who accepts or declines; the answer is kept until the owner acknowledges it, and told to
 * them when they are reachable (answer-conversation.ts), with backoff per owner.
 */
import { equalBytes } from '../../../shared/crypto/bytes.ts';
import {
  ExpiredError,
  NotFoundError,
  NotVerifiedError,
  NotVerifiedNeedsUpdateError,
  RefusedError,
} from '../../../shared/errors.ts';
import type { BackupMessage } from '../../../shared/protocol/backup.ts';
import type { PendingRequest } from '../../../shared/api/ops/backup.ts';
import type { BackupContext } from './backup-context.ts';
import type { CustodianStore } from './custodian-store.ts';
import { Backoff } from './peer-link.ts';
import { tellAnswer } from './answer-conversation.ts';

/** The key of the notice asking to hold a piece for `ownerPeerId` (one at a time per friend). */
function holdingNoticeKey(ownerPeerId: string): string {
  return `holding:${ownerPeerId}`;
}

export class CustodianConsent {
  private readonly ctx: BackupContext;
  private readonly store: CustodianStore;
  private readonly name: (peerId: string) => string;
  private readonly backoff = new Backoff();
  private running = false;
  private closed = false;

  constructor(ctx: BackupContext, name: (peerId: string) => string) {
    this.ctx = ctx;
    this.store = ctx.custodianStore;
    this.name = name;
  }

  /** A friend asks us to hold a piece; the reply says where our consent stands. */
  onHoldRequest(from: string, msg: Extract<BackupMessage, { t: 'hold-request' }>): BackupMessage {
    const now = this.ctx.now();
    if (msg.expires < now) throw new RefusedError('This holding request has expired.');
    const existing = this.store.request(from);
    if (existing && equalBytes(existing.nonce, msg.nonce)) {
      // The owner asking again while waiting: same answer as before.
      return { t: 'hold-reply', state: existing.state };
    }
    // Consent is per friend: a friend we already hold for (a re-share) does not need asking again.
    const state = existing?.state === 'accepted' ? 'accepted' : 'pending';
    this.store.putRequest({
      ownerPeerId: from,
      threshold: msg.threshold,
      custodians: msg.custodians,
      nonce: msg.nonce,
      expiresAt: msg.expires,
      state,
      createdAt: now,
    });
    if (state === 'accepted') this.store.markAnswerDelivered(from, msg.nonce);
    else {
      this.ctx.events.emit({
        type: 'notice',
        key: holdingNoticeKey(from),
        title: 'A friend asks for your help',
        body: `${this.name(from)} asks you to keep a piece of their recovery key.`,
      });
    }
    this.ctx.events.changed('requests');
    return { t: 'hold-reply', state };
  }

  pendingRequests(): PendingRequest[] {
    const now = this.ctx.now();
    return this.store
      .requests('pending')
      .filter((r) => r.expiresAt > now)
      .map((r) => ({
        id: `holding:${r.ownerPeerId}`,
        kind: 'holding' as const,
        fromPeerId: r.ownerPeerId,
        from: this.name(r.ownerPeerId),
        createdAt: r.createdAt,
        expiresAt: r.expiresAt,
        detail:
          `${this.name(r.ownerPeerId)} asks you to keep one of ${r.custodians} pieces of their recovery key (any ${r.threshold} of them can restore it). Your own backup will carry it, so enough of your own custodians together could open it too.` +
          // Said before the person presses Accept, which cannot work yet (PROTOCOL §13.3).
          (!this.ctx.friends.isVerified(r.ownerPeerId) &&
          this.ctx.versions.lacks(r.ownerPeerId).has('compare')
            ? ` ${this.name(r.ownerPeerId)} needs to update Tessera first: their version cannot compare codes.`
            : ''),
      }));
  }

  answer(ownerPeerId: string, accepted: boolean): void {
    const request = this.store.request(ownerPeerId);
    if (!request || request.state !== 'pending') throw new NotFoundError('There is no such pending request.');
    if (request.expiresAt < this.ctx.now())
      throw new ExpiredError('That request has expired; ask your friend to send it again.');
    if (accepted && !this.ctx.friends.isVerified(ownerPeerId)) {
      if (!this.ctx.versions.lacks(ownerPeerId).has('compare'))
        throw new NotVerifiedError(this.name(ownerPeerId), 'you can keep a piece for a friend');
      // Their Tessera cannot compare codes, so this request can never be accepted (PROTOCOL §13.3): it is declined,
      // the one answer their release shows (a hold-answer has no reason field, and its decoder takes no new one),
      // and the person is told who must update. A new request after their update is asked afresh.
      this.settle(ownerPeerId, 'declined');
      throw new NotVerifiedNeedsUpdateError(this.name(ownerPeerId), 'custodian');
    }
    this.settle(ownerPeerId, accepted ? 'accepted' : 'declined');
  }

  private settle(ownerPeerId: string, answer: 'accepted' | 'declined'): void {
    this.store.answer(ownerPeerId, answer, this.ctx.now());
    // Answered: the notice that asked is done.
    this.ctx.events.emit({ type: 'notice-withdrawn', key: holdingNoticeKey(ownerPeerId) });
    this.backoff.reset(ownerPeerId);
    this.ctx.events.changed('requests');
    this.kick();
  }

  peerConnected(peerId: string): void {
    this.backoff.reset(peerId);
    this.kick();
  }

  kick(): void {
    if (this.closed) return;
    void this.deliverAnswers().catch((err: unknown) =>
      this.ctx.log(`backup: delivering answers failed: ${String(err)}`),
    );
  }

  /** Tells owners our consent answers (persisted until they acknowledge). */
  private async deliverAnswers(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      const now = this.ctx.now();
      await Promise.all(
        this.store
          .undeliveredAnswers()
          .filter((r) => this.backoff.due(r.ownerPeerId, now))
          .map(async (r) => {
            try {
              const conv = await this.ctx.link.open(r.ownerPeerId);
              try {
                await tellAnswer(conv, { accepted: r.state === 'accepted', nonce: r.nonce });
              } finally {
                await conv.close();
              }
              this.store.markAnswerDelivered(r.ownerPeerId, r.nonce);
            } catch (err) {
              this.backoff.failed(r.ownerPeerId, this.ctx.now());
              this.ctx.log(`backup: could not tell ${this.name(r.ownerPeerId)} our answer: ${String(err)}`);
            }
          }),
      );
    } finally {
      this.running = false;
    }
  }

  close(): void {
    this.closed = true;
  }
}
