/**
 * What a paper piece's page says besides its words (PROTOCOL §4.4), apart from paper-page.ts so that showing it
 * does not load pdf-lib: the CLI loads that on first use only (docs/PERFORMANCE.md, "Idle").
 */

/** The date as printed on the page (and in the backup status): YYYY-MM-DD, UTC. */
export function paperDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** One line on what to do with the page; the wizard shows it too. */
export const PAPER_INSTRUCTION =
  'Keep this page private and safe, apart from your devices. To recover, start a recovery in Tessera, choose ' +
  '"Add a paper piece" and type these words or scan the code.';
