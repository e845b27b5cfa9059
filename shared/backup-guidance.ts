/**
 * Advice on choosing how many friends are needed (t) out of those holding pieces (n), shared by the UI's backup
 * wizard and `tessera backup create`. Any t of the n friends together can restore the vault; fewer learn nothing.
 */
export interface ThresholdGuidance {
  summary: string;
  warnings: string[];
}

/** A majority, at least 2: survives losing n − t friends while keeping any small group from colluding. */
export function recommendedThreshold(custodians: number): number {
  return Math.max(2, Math.floor(custodians / 2) + 1);
}

/**
 * `n` counts every piece: friends' and `paper` ones (PROTOCOL §4.4). Paper pages are warned about when they alone
 * reach t: whoever holds them all then needs only one friend's copy of the backup.
 */
export function thresholdGuidance(t: number, n: number, paper = 0): ThresholdGuidance {
  const summary =
    paper === 0
      ? `Any ${t} of these ${n} friends together can restore your vault. ${
          t - 1 === 1 ? 'One friend alone learns' : `${t - 1} friends or fewer learn`
        } nothing about it.`
      : `Any ${t} of these ${n} pieces (${n - paper} with friends, ${paper} on paper) together can restore your ` +
        `vault. ${t - 1 === 1 ? 'One piece alone reveals' : `${t - 1} pieces or fewer reveal`} nothing about it.`;
  const warnings: string[] = [];
  if (paper >= t && t >= 2)
    warnings.push(
      `The ${paper} paper pieces alone reach ${t}: whoever holds all the pages needs only one friend's help to ` +
        'restore your vault. Keep the pages in different places, or print fewer.',
    );
  if (t <= 1) {
    warnings.push('With 1, any single friend could open your backup on their own. Choose at least 2.');
  }
  if (n < 3) {
    warnings.push(
      'With only 2 friends, both are needed: if either loses their piece, your vault cannot be recovered. Three or more friends is much safer.',
    );
  } else if (t === n) {
    warnings.push(
      `All ${n} friends will be needed. If even one loses their piece or cannot come, your vault cannot be recovered. Consider ${recommendedThreshold(n)}.`,
    );
  }
  return { summary, warnings };
}
