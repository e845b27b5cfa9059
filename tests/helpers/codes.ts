/**
 * Real invite and recovery codes for tests of what people type or scan (PROTOCOL §8.3, §11.1), and the usual ways
 * a code goes wrong on its way from one screen to another.
 */
import { generateIdentity } from '../../shared/crypto/identity.ts';
import { encodeInvite } from '../../shared/protocol/invite.ts';
import { encodeRecoveryCode } from '../../shared/protocol/recovery-code.ts';

const HOUR = 60 * 60 * 1000;

export function inviteCode(options: { expiresAt?: number; name?: string } = {}): string {
  const keys = generateIdentity();
  return encodeInvite({
    signPublic: keys.signPublic,
    boxPublic: keys.boxPublic,
    boxSignature: keys.boxSignature,
    name: options.name ?? 'Dana',
    addresses: ['/ip4/127.0.0.1/tcp/9'],
    expiresAt: options.expiresAt ?? Date.now() + HOUR,
    secret: new Uint8Array(16).fill(3),
  });
}

export function recoveryCode(options: { expiresAt?: number } = {}): string {
  const keys = generateIdentity();
  return encodeRecoveryCode({
    signPublic: keys.signPublic,
    boxPublic: keys.boxPublic,
    boxSignature: keys.boxSignature,
    addresses: ['/ip4/127.0.0.1/tcp/9'],
    expiresAt: options.expiresAt ?? Date.now() + HOUR,
    secret: new Uint8Array(16).fill(5),
  });
}

/** The code with one character of its body replaced by another valid one (a misread). */
export function mistyped(code: string): string {
  const i = code.length - 7;
  const swapped = code[i] === 'A' ? 'B' : 'A';
  return code.slice(0, i) + swapped + code.slice(i + 1);
}

/** The code with its last `n` characters lost (a copy that stopped short). */
export function truncated(code: string, n = 9): string {
  return code.slice(0, -n);
}

/** The code with a character no code has (a "U"), as when a person types it from the screen. */
export function badCharacter(code: string): string {
  const i = code.length - 5;
  return code.slice(0, i) + 'U' + code.slice(i + 1);
}
