import type { z } from 'zod';

/** One operation of the API: what it takes and what it returns, both checked at run time. */
export interface OpSpec<I extends z.ZodType = z.ZodType, O extends z.ZodType = z.ZodType> {
  input: I;
  output: O;
  /**
   * Allowed while the vault is locked or absent (or during a recovery). Every other operation is refused then, with
   * the vault's own error (NO_VAULT or LOCKED), before its handler runs (electron/core/handler-rules.ts).
   */
  public?: boolean;
}

export function op<I extends z.ZodType, O extends z.ZodType>(
  input: I,
  output: O,
  options: { public?: boolean } = {},
): OpSpec<I, O> {
  return { input, output, ...options };
}
