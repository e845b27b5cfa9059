/**
 * One-time codes (RFC 6238 TOTP) from an `otpauth://totp/…` URI (the Key URI format authenticator apps share as a
 * QR code), through the `otpauth` library. Its package picks the HMAC by environment: Node's crypto under Node (the
 * CLI, the core, the unit tests against RFC 6238 Appendix B) and its own build on @noble/hashes in the browser (the
 * renderer); the Playwright spec checks the renderer's codes. Nothing here imports a Node built-in.
 */
import { Secret, TOTP, URI } from 'otpauth';
import { BadRequestError } from '../errors.ts';

/** A one-time code setup that cannot be used: the message says what is wrong with it. */
export class InvalidOtpauthError extends BadRequestError {}

/** Shortest and longest periods accepted (RFC 6238 §5.2 recommends 30 s; some services use 60). */
export const MIN_PERIOD_SECONDS = 1;
export const MAX_PERIOD_SECONDS = 600;

export interface TotpSetup {
  issuer: string;
  label: string;
  algorithm: string;
  digits: number;
  period: number;
}

export interface TotpCode {
  code: string;
  /** Seconds of the current period still to run (1..period). */
  remaining: number;
  period: number;
}

function totpFrom(uri: string): TOTP {
  const text = uri.trim();
  if (!/^otpauth:\/\//i.test(text))
    throw new InvalidOtpauthError(
      'A one-time code needs an otpauth:// address (as in the QR code a site shows when you turn on two-step sign-in); paste it or scan the QR code.',
    );
  let otp: ReturnType<typeof URI.parse>;
  try {
    otp = URI.parse(text);
  } catch (err) {
    throw new InvalidOtpauthError(
      `That otpauth:// address cannot be read (${(err as Error).message}); copy it again from the site or scan its QR code.`,
    );
  }
  if (!(otp instanceof TOTP))
    throw new InvalidOtpauthError(
      'That otpauth:// address is for counter-based codes (hotp); Tessera shows time-based codes (totp) only.',
    );
  if (otp.secret.bytes.length === 0)
    throw new InvalidOtpauthError(
      'That otpauth:// address has an empty secret; copy it again from the site.',
    );
  if (otp.period < MIN_PERIOD_SECONDS || otp.period > MAX_PERIOD_SECONDS)
    throw new InvalidOtpauthError(
      `That otpauth:// address has a period of ${otp.period} seconds; it must be ${MIN_PERIOD_SECONDS} to ${MAX_PERIOD_SECONDS}.`,
    );
  return otp;
}

/** The setup an `otpauth://totp/` URI describes; InvalidOtpauthError naming what is wrong otherwise. */
export function parseOtpauth(uri: string): TotpSetup {
  const otp = totpFrom(uri);
  return {
    issuer: otp.issuer,
    label: otp.label,
    algorithm: otp.algorithm,
    digits: otp.digits,
    period: otp.period,
  };
}

/** The code at `timestamp` (ms since the Unix epoch) and how long it stays valid. */
export function totpCode(uri: string, timestamp: number): TotpCode {
  const otp = totpFrom(uri);
  const code = otp.generate({ timestamp });
  const remainingMs = otp.remaining({ timestamp });
  return { code, remaining: Math.max(1, Math.ceil(remainingMs / 1000)), period: otp.period };
}

const BASE32_KEY = /^[A-Z2-7]+=*$/;
/** 80 bits: the shortest keys services hand out (RFC 4226 §4 asks for 128, recommends 160). */
export const MIN_BARE_KEY_CHARS = 16;

/**
 * What an import or a person gives for a one-time code, as an `otpauth://totp/` URI: a URI is checked and kept as
 * it is; a bare base32 key (as Bitwarden and KeePassXC may store it, spaces allowed) becomes a URI with the
 * defaults of RFC 6238 (SHA-1, 6 digits, 30 s) labelled `label`.
 */
export function otpauthFromInput(input: string, label: string): string {
  const text = input.trim();
  if (/^otpauth:\/\//i.test(text)) {
    totpFrom(text);
    return text;
  }
  const key = text.replace(/[\s-]/g, '').toUpperCase();
  if (key.replace(/=+$/, '').length < MIN_BARE_KEY_CHARS || !BASE32_KEY.test(key))
    throw new InvalidOtpauthError(
      `That is neither an otpauth:// address nor a setup key (at least ${MIN_BARE_KEY_CHARS} letters A–Z and digits 2–7); copy the setup key again.`,
    );
  const otp = new TOTP({
    label: label.trim() || 'Tessera',
    secret: Secret.fromBase32(key.replace(/=+$/, '')),
  });
  return URI.stringify(otp);
}
