import type { z } from 'zod';

/** One operation of the API: what it takes and what it returns, both checked at run time. */
export interface OpSpec<I extends z.ZodType = z.ZodType, O extends z.ZodType = z.ZodType> {
  input: I;
  output: O;
  /** Operations allowed while the vault is locked or absent. */
  public?: boolean;
}

export function op<I extends z.ZodType, O extends z.ZodType>(
  input: I,
  output: O,
  options: { public?: boolean } = {},
): OpSpec<I, O> {
  return { input, output, ...options };
}
