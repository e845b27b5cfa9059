import { TesseraError, UnsupportedVersionError } from '../../../shared/errors.ts';
import { isUnsupportedProtocol } from '../mesh/friend-versions.ts';

/**
 * The new device answered but speaks only an older recovery protocol (PROTOCOL §11, §13.3): reachable, and too old.
 * Nothing was sent; the person is told whose device must run the current Tessera.
 */
export class RecoveryDeviceNeedsUpdateError extends UnsupportedVersionError {
  constructor(friendName: string) {
    super(
      `${friendName}’s new device runs an older Tessera, which cannot take your piece; nothing was sent. ` +
        `Ask ${friendName} to install the current Tessera on the new device, start the recovery again, and send you the new code.`,
    );
  }
}

/** Another key answered at the session's address: Noise refused it because the code pins the session's peer ID. */
export class RecoveryImpostorError extends TesseraError {
  constructor(peerId: string) {
    super(
      'VERIFICATION_FAILED',
      `The device at that address is not the one in the code (expected ${peerId.slice(0, 16)}…); nothing was sent. ` +
        'Check you are on the same network as your friend’s new device and scan its code again.',
    );
  }
}

/** What a person is told when the session behind a recovery code cannot be reached (used, cancelled, gone, away). */
export const SESSION_ENDED_MESSAGE =
  'This recovery has ended or the new device is not reachable; ask for a new code. If your friend’s new device ' +
  'still shows its code, check that you are both on the same network, then scan it again.';

/**
 * The session did not answer: it ended (its code was used or cancelled, so nothing listens there any more), or the
 * device is off or on another network. The transport's own words (a refused socket, the connection gate) stay in
 * `detail` and `cause` for logs; the person reads SESSION_ENDED_MESSAGE.
 */
export class SessionUnreachableError extends TesseraError {
  readonly detail: string;
  constructor(detail: string, options?: { cause?: unknown; code?: 'UNREACHABLE' | 'TIMEOUT' }) {
    super(options?.code ?? 'UNREACHABLE', SESSION_ENDED_MESSAGE, options);
    this.detail = detail;
  }
}

export class NoRecoverySessionError extends TesseraError {
  constructor() {
    super(
      'NOT_FOUND',
      'No recovery is in progress here. Start one with `recovery.start` on an empty data directory.',
    );
  }
}

function chain(err: unknown): string {
  const parts: string[] = [];
  let e: unknown = err;
  for (let i = 0; i < 6 && e; i++) {
    if (e instanceof Error) {
      parts.push(`${e.name}: ${e.message}`);
      e = (e as { cause?: unknown }).cause;
    } else {
      parts.push(String(e));
      break;
    }
  }
  return parts.join(' <- ');
}

/**
 * Turns a failed dial to the session into a named error: a device too old for this recovery (the protocol was not
 * agreed), an impostor, or a session that has ended or cannot be reached (a refused connection, the gate, a
 * timeout), never the transport's own words.
 */
export function describeDialFailure(err: unknown, peerId: string, friendName?: string): TesseraError {
  if (isUnsupportedProtocol(err)) return new RecoveryDeviceNeedsUpdateError(friendName ?? 'Your friend');
  const text = chain(err);
  if (/does not match|UnexpectedPeer|InvalidCryptoExchange|EncryptionFailed/i.test(text))
    return new RecoveryImpostorError(peerId);
  const timedOut = err instanceof TesseraError && err.code === 'TIMEOUT';
  return new SessionUnreachableError(text, { cause: err, code: timedOut ? 'TIMEOUT' : 'UNREACHABLE' });
}

/**
 * For a conversation with the session that failed after the dial: Tessera's own errors (the new device refused, a
 * broken commitment) keep their words; anything else (a reset stream, a closed connection) reads as a dial failure.
 */
export function describeSessionFailure(err: unknown, peerId: string): TesseraError {
  return err instanceof TesseraError ? err : describeDialFailure(err, peerId);
}
