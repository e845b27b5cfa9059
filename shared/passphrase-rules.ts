/**
 * The rules a new passphrase must meet. The contract enforces them (`Passphrase` in shared/api/ops/app.ts); the
 * screens and the CLI check the same rules before sending, with the same words, so a person hears one rule once.
 * How strong a passphrase is, is advice (renderer/src/lib/strength.ts), not a rule.
 */

export const PASSPHRASE_MIN_LENGTH = 8;
export const PASSPHRASE_MAX_LENGTH = 1024;

export const PASSPHRASE_TOO_SHORT = `A passphrase needs at least ${PASSPHRASE_MIN_LENGTH} characters.`;
export const PASSPHRASE_TOO_LONG = `A passphrase can have at most ${PASSPHRASE_MAX_LENGTH} characters.`;

/**
 * Long enough to be chosen as a new passphrase. Counted as the contract's schema counts (zod's string minimum counts
 * code points), so an emoji is one character here too and the screens never accept what the contract refuses.
 */
export function isLongEnoughPassphrase(passphrase: string): boolean {
  return [...passphrase].length >= PASSPHRASE_MIN_LENGTH;
}
