/**
 * Checks a code where a person types, pastes or scans it, before anything is sent: the kind (invite or recovery
 * code), the characters and check digits, and the expiry (PROTOCOL §8.3 and §11.1 for the two formats). Pure, so the
 * renderer runs it on entry and the core runs the same decoders again when the code arrives.
 */
import { TesseraError, UnsupportedVersionError } from '../errors.ts';
import { CodeEntryError, formatExpiry } from './checked-code.ts';
import type { CodeProblem } from './checked-code.ts';
import { decodeInvite } from './invite.ts';
import type { DecodedInvite } from './invite.ts';
import { decodeRecoveryCode } from './recovery-code.ts';
import type { DecodedRecoveryCode } from './recovery-code.ts';

export type CodeKind = 'invite' | 'recovery';

export type CodeEntryProblem = CodeProblem | 'empty' | 'expired' | 'newer-version' | 'invalid';

export type CodeEntry<K extends CodeKind> =
  | { ok: true; code: K extends 'invite' ? DecodedInvite : DecodedRecoveryCode }
  | { ok: false; problem: CodeEntryProblem; message: string; expiredAt?: number };

const EMPTY: Record<CodeKind, string> = {
  invite: 'Paste the invite your friend sent you first.',
  recovery: 'Paste the code shown on your friend’s new device first.',
};

/**
 * What is wrong with `text` as a code of `kind` at `now`, in a sentence, or the decoded code. `formatTime` renders the
 * expiry (the renderer passes its own date format).
 */
export function checkCodeEntry<K extends CodeKind>(
  kind: K,
  text: string,
  now: number,
  formatTime: (ms: number) => string = formatExpiry,
): CodeEntry<K> {
  if (!text.trim()) return { ok: false, problem: 'empty', message: EMPTY[kind] };
  let code: DecodedInvite | DecodedRecoveryCode;
  try {
    code = kind === 'invite' ? decodeInvite(text) : decodeRecoveryCode(text);
  } catch (err) {
    if (err instanceof CodeEntryError) return { ok: false, problem: err.problem, message: err.message };
    if (err instanceof UnsupportedVersionError)
      return { ok: false, problem: 'newer-version', message: err.message };
    const message =
      err instanceof TesseraError
        ? err.message
        : 'This code cannot be read. Check it against the original, or copy it again whole.';
    return { ok: false, problem: 'invalid', message };
  }
  if (code.expiresAt <= now) {
    const when = formatTime(code.expiresAt);
    const message =
      kind === 'invite'
        ? `This invite expired at ${when}. Ask your friend to show you a new one.`
        : `This recovery code expired at ${when}. Ask your friend to show the current code on their new device.`;
    return { ok: false, problem: 'expired', message, expiredAt: code.expiresAt };
  }
  return { ok: true, code } as CodeEntry<K>;
}
