import { checkSeedPhrase } from '../../../shared/items/seed.ts';

/**
 * A seed phrase's word count and BIP-39 checksum (shared/items/seed.ts). A phrase that does not verify gets a
 * warning, not a refusal: other wordlists and schemes exist. Shows nothing for an empty phrase.
 */
export function SeedCheck({ phrase }: { phrase: string }) {
  const check = checkSeedPhrase(phrase);
  if (check.words.length === 0) return null;
  if (check.valid)
    return (
      <p className="field__hint" data-testid="seed-ok">
        {check.words.length} words; the BIP-39 checksum verifies.
      </p>
    );
  return (
    <div className="note note--warn" role="status" data-testid="seed-warning">
      <p>{check.warning}</p>
    </div>
  );
}
