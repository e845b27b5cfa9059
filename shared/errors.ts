/**
 * Every failure the API can report has a stable code. Codes travel across every adapter (IPC, HTTP, CLI --json),
 * so scripts can rely on them; messages are for people and say what to do next.
 */
export const ERROR_CODES = [
  'BAD_REQUEST',
  'UNAUTHORIZED',
  'NO_VAULT',
  'VAULT_EXISTS',
  'LOCKED',
  'WRONG_PASSPHRASE',
  'NOT_FOUND',
  'TOO_LARGE',
  'CONFLICT',
  'UNKNOWN_FRIEND',
  'NOT_VERIFIED',
  'INVALID_CODE',
  'EXPIRED',
  'NOT_ENOUGH_SHARDS',
  'BAD_SHARD',
  'VERIFICATION_FAILED',
  'UNSUPPORTED_VERSION',
  'DATABASE_CORRUPT',
  'DATABASE_TOO_NEW',
  'DATA_DIR_BUSY',
  'NO_DAEMON',
  'UNREACHABLE',
  'TIMEOUT',
  'USAGE',
  'INTERNAL',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export interface ErrorBody {
  code: ErrorCode;
  message: string;
}

/** Base class of every error Tessera raises on purpose. */
export class TesseraError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
  toBody(): ErrorBody {
    return { code: this.code, message: this.message };
  }
}

/**
 * A refusal across a conversation with another device, either way (the `refused { reason }` frame of every Tessera
 * protocol, PROTOCOL §8.2). `reason` is the sentence that travels: when this device refuses, it sends `reason`; when the
 * other device refused, `by` names it and `what` says what it refused, and the message reads "Bob refused: …".
 */
export class RefusedError extends TesseraError {
  readonly reason: string;
  readonly reasonCode: string | undefined;
  constructor(
    reason: string,
    options: {
      by?: string;
      what?: string;
      code?: 'CONFLICT' | 'VERIFICATION_FAILED';
      /** The refusal's code on the wire, when it carried one (PROTOCOL §9.1, `refused`). */
      reasonCode?: string;
    } = {},
  ) {
    const heading = options.by ? `${options.by} refused${options.what ? ` ${options.what}` : ''}: ` : '';
    super(options.code ?? 'CONFLICT', `${heading}${reason}`);
    this.reason = reason;
    this.reasonCode = options.reasonCode;
  }
}

export class BadRequestError extends TesseraError {
  constructor(message: string) {
    super('BAD_REQUEST', message);
  }
}
export class UnauthorizedError extends TesseraError {
  constructor(message = 'Missing or wrong API token.') {
    super('UNAUTHORIZED', message);
  }
}
export class NoVaultError extends TesseraError {
  constructor(message = 'No vault exists in this data directory yet. Create one or recover one first.') {
    super('NO_VAULT', message);
  }
}
export class VaultExistsError extends TesseraError {
  constructor(message = 'A vault already exists in this data directory.') {
    super('VAULT_EXISTS', message);
  }
}
export class VaultLockedError extends TesseraError {
  constructor(message = 'The vault is locked. Unlock it with your passphrase first.') {
    super('LOCKED', message);
  }
}
export class WrongPassphraseError extends TesseraError {
  constructor(message = 'That passphrase is not right. Nothing was changed; try again.') {
    super('WRONG_PASSPHRASE', message);
  }
}
export class NotFoundError extends TesseraError {
  constructor(message: string) {
    super('NOT_FOUND', message);
  }
}
export class TooLargeError extends TesseraError {
  constructor(message: string) {
    super('TOO_LARGE', message);
  }
}
export class ConflictError extends TesseraError {
  constructor(message: string) {
    super('CONFLICT', message);
  }
}
export class UnknownFriendError extends TesseraError {
  constructor(name: string) {
    super('UNKNOWN_FRIEND', `No friend called "${name}". List your friends with \`tessera friends\`.`);
  }
}
export class InvalidCodeError extends TesseraError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('INVALID_CODE', message, options);
  }
}
export class ExpiredError extends TesseraError {
  constructor(message: string) {
    super('EXPIRED', message);
  }
}
export class UnsupportedVersionError extends TesseraError {
  constructor(message: string) {
    super('UNSUPPORTED_VERSION', message);
  }
}
export class VerificationError extends TesseraError {
  constructor(message: string) {
    super('VERIFICATION_FAILED', message);
  }
}

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && (ERROR_CODES as readonly string[]).includes(value);
}

/** Converts anything thrown into a body that is safe to send to a client. */
export function toErrorBody(err: unknown): ErrorBody {
  if (err instanceof TesseraError) return err.toBody();
  return { code: 'INTERNAL', message: err instanceof Error ? err.message : String(err) };
}

/** Rebuilds a TesseraError on the client side of an adapter from its body. */
export function fromErrorBody(body: ErrorBody): TesseraError {
  return new TesseraError(isErrorCode(body.code) ? body.code : 'INTERNAL', body.message);
}

/** For exhaustive switches: fails to compile when a case is missing. */
export function missingCase(value: never): never {
  throw new Error(`Unhandled case: ${JSON.stringify(value)}`);
}

/** A step that needs a friend whose code the person confirmed (PROTOCOL §8.5), with one who is not verified yet. */
export class NotVerifiedError extends TesseraError {
  constructor(name: string, what: string) {
    super(
      'NOT_VERIFIED',
      `Compare codes with ${name} first: ${what} only after you confirmed that both screens show the same six digits (Friends → ${name} → Compare codes).`,
    );
  }
}

/**
 * The same refusal as NotVerifiedError (same code: nothing more is accepted), for a friend whose device is known to
 * run a Tessera that cannot compare codes (PROTOCOL §13.3): the person is told who must update instead of being sent
 * to a button that cannot work.
 */
export class NotVerifiedNeedsUpdateError extends TesseraError {
  constructor(name: string, role: 'owner' | 'custodian') {
    super(
      'NOT_VERIFIED',
      role === 'owner'
        ? `${name} needs to update Tessera: their version cannot compare codes, so they cannot keep a piece for you yet. Ask them to update, then compare codes (Friends → ${name} → Compare codes).`
        : `${name} needs to update Tessera: their version cannot compare codes, so you cannot keep a piece for them yet. Their request was declined for now and their Tessera shows it; once they update and you both compare codes, they can ask again.`,
    );
  }
}
