/**
 * Advice on choosing custodians and a threshold, shared by the UI and the CLI. t of n means any t of your n friends
 * can help you recover, and fewer than t can learn nothing.
 */
export interface ThresholdAdvice {
  recommended: number;
  warnings: string[];
}

/** A majority, at least 2: survives losing n − t friends while keeping any small group from colluding. */
export function recommendedThreshold(custodians: number): number {
  return Math.max(2, Math.floor(custodians / 2) + 1);
}

export function adviseThreshold(custodians: number, threshold: number): ThresholdAdvice {
  const warnings: string[] = [];
  if (custodians < 3) {
    warnings.push('With fewer than 3 friends, losing touch with one of them may make recovery impossible.');
  }
  if (threshold <= 1) warnings.push('A threshold of 1 lets any single friend open your backup alone.');
  if (threshold === custodians && custodians > 1) {
    warnings.push('Needing every friend means one lost phone or one move away makes recovery impossible.');
  }
  if (threshold > custodians) warnings.push('The threshold cannot be larger than the number of friends.');
  return { recommended: recommendedThreshold(custodians), warnings };
}
