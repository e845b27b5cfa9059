import { TesseraError } from '../../../shared/errors.ts';

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

export class SessionUnreachableError extends TesseraError {
  constructor(detail: string, options?: { cause?: unknown }) {
    super(
      'UNREACHABLE',
      `Could not reach your friend’s new device (${detail}). Make sure it is on the same network and still shows ` +
        'its recovery code, then try again.',
      options,
    );
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

/** Turns a failed dial to the session into a named error (an impostor, or unreachable). */
export function describeDialFailure(err: unknown, peerId: string): TesseraError {
  const text = chain(err);
  if (/does not match|UnexpectedPeer|InvalidCryptoExchange|EncryptionFailed/i.test(text))
    return new RecoveryImpostorError(peerId);
  if (err instanceof TesseraError && err.code === 'TIMEOUT') return err;
  return new SessionUnreachableError(err instanceof Error ? err.message : String(err), { cause: err });
}
