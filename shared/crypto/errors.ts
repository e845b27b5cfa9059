/**
 * Typed errors raised by the pure crypto, shard and format code. Every decoder in shared/ throws one of these (never a
 * raw library error), so callers can switch on `code` and show `message` to a person.
 */
import { TesseraError, UnsupportedVersionError, VerificationError } from '../errors.ts';

/** Bytes that do not parse as the expected format (wrong length, bad CBOR, missing field, over the size cap). */
export class MalformedDataError extends TesseraError {
  constructor(what: string, detail: string, options?: { cause?: unknown }) {
    super('BAD_REQUEST', `${what} is malformed: ${detail}`, options);
  }
}

/** A format version this code does not understand. */
export class UnsupportedFormatError extends UnsupportedVersionError {
  readonly version: unknown;
  constructor(what: string, version: unknown) {
    super(
      `${what} uses format version ${String(version)}, which this version of Tessera does not support. ` +
        'Update Tessera and try again.',
    );
    this.version = version;
  }
}

/** A signature that does not verify under the expected key and context. */
export class SignatureError extends VerificationError {
  constructor(what: string) {
    super(`The signature on ${what} is not valid: it was altered or was not made by the expected key.`);
  }
}

/** An AEAD ciphertext that fails authentication (wrong key, or the bytes were altered). */
export class DecryptionError extends VerificationError {
  constructor(what: string) {
    super(`Could not decrypt ${what}: the key is wrong or the data was altered.`);
  }
}

/** A shard envelope that cannot be used (malformed, wrong recipient, x = 0, duplicate x, …). */
export class BadShardError extends TesseraError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('BAD_SHARD', message, options);
  }
}

/**
 * Fewer valid shards than the threshold. `needed` is how many more valid shards are required (when the threshold
 * is unknown because no valid shard arrived, at least 2 are needed).
 */
export class NotEnoughShardsError extends TesseraError {
  readonly have: number;
  readonly threshold: number | undefined;
  readonly needed: number;
  constructor(have: number, threshold: number | undefined, detail = '') {
    const needed = threshold === undefined ? Math.max(1, 2 - have) : Math.max(1, threshold - have);
    const need =
      threshold === undefined
        ? `Recovery has no valid shard yet and needs at least 2`
        : `Recovery needs ${threshold} valid shards but has ${have}`;
    super(
      'NOT_ENOUGH_SHARDS',
      `${need}: ask ${needed} more ${needed === 1 ? 'friend' : 'friends'} for their shard.` +
        (detail ? ' ' + detail : ''),
    );
    this.have = have;
    this.threshold = threshold;
    this.needed = needed;
  }
}

/** Valid-looking shards that nevertheless do not reconstruct the committed key. */
export class RecoveryFailedError extends VerificationError {
  constructor(message: string) {
    super(message);
  }
}

/** A caller passed an argument outside its allowed range (e.g. threshold > n). */
export class InvalidArgumentError extends TesseraError {
  constructor(message: string) {
    super('BAD_REQUEST', message);
  }
}
