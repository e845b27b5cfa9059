import { TesseraError } from '../../../shared/errors.ts';

/** Stored KDF parameters are weaker than the floor or beyond the ceiling: refuse rather than guess. */
export class KdfParamsError extends TesseraError {
  constructor(detail: string) {
    super(
      'UNSUPPORTED_VERSION',
      `The vault key is protected with key-derivation parameters this version of Tessera refuses (${detail}). ` +
        'The database may have been tampered with, or written by an incompatible version. Nothing was changed.',
    );
  }
}

/** A sealed vault row does not decrypt under the vault key: the file was altered or damaged. */
export class VaultDataCorruptError extends TesseraError {
  constructor(what: string, options?: { cause?: unknown }) {
    super(
      'DATABASE_CORRUPT',
      `Could not decrypt ${what} with your vault key: the database was altered or damaged. Nothing was changed.`,
      options,
    );
  }
}

/** The device key protector recorded at enrolment differs from the one offered now. */
export class KeyProtectorChangedError extends TesseraError {
  constructor(stored: string, offered: string) {
    super(
      'VERIFICATION_FAILED',
      `This vault was remembered on this device with "${stored}", but "${offered}" is available now. ` +
        'Unlock with your passphrase; nothing was lost.',
    );
  }
}

/** The device key protector cannot unprotect the stored key (keychain reset, different user, …). */
export class KeyProtectorFailedError extends TesseraError {
  constructor(name: string, options?: { cause?: unknown }) {
    super(
      'VERIFICATION_FAILED',
      `The device keychain ("${name}") could not open the saved vault key. Unlock with your passphrase; ` +
        'nothing was lost.',
      options,
    );
  }
}

/** A protector known to be weak (e.g. Electron safeStorage with the Linux `basic_text` backend). */
export class WeakKeyProtectorError extends TesseraError {
  constructor(name: string) {
    super(
      'BAD_REQUEST',
      `The device keychain "${name}" does not really protect secrets, so Tessera will not keep the vault key in ` +
        'it. Keep using your passphrase.',
    );
  }
}

/** Two passphrase changes raced (two windows, or the app and the CLI): the other one won, this one changed nothing. */
export class PassphraseChangeConflictError extends TesseraError {
  constructor() {
    super(
      'CONFLICT',
      'The passphrase was changed elsewhere at the same time. This change was not made; lock the vault, unlock it ' +
        'with the passphrase now in force, and change it again if you still want to.',
    );
  }
}

/** The vault key in memory is not the one the stored wrap holds: the database changed under the open session. */
export class VaultKeyMismatchError extends TesseraError {
  constructor() {
    super(
      'CONFLICT',
      'The stored vault key changed while the vault was unlocked, so the passphrase was not changed. Lock and ' +
        'unlock the vault, then try again.',
    );
  }
}
