/**
 * A large password-manager export, made the way a person's would look: an unencrypted Bitwarden JSON export
 * (`bw export --format json`) of `count` logins and notes in a handful of folders. The bench and the UI suite import
 * it through the real import path (shared/import/bitwarden.ts, `items.importPreview` / `items.importCommit`), so a
 * big vault is built as a person builds one (docs/PERFORMANCE.md, "A vault of 10,000 items").
 *
 * Deterministic (no randomness): the same count gives the same file, so the titles a test looks for are known.
 */

const SERVICES = [
  'Amazon',
  'Bank',
  'Bitbucket',
  'Calendar',
  'Dentist',
  'Dropbox',
  'Electricity',
  'Forum',
  'GitHub',
  'Gym',
  'Insurance',
  'Library',
  'Mail',
  'Mastodon',
  'Netflix',
  'Pharmacy',
  'Router',
  'School',
  'Shop',
  'Tax office',
  'Train',
  'Travel',
  'VPN',
  'Wiki',
];
const FOLDERS = ['Work', 'Home', 'Family', 'Shopping', 'Travel'];

/** The title of entry `i` (0-based): a service, then a number that makes it unique. */
export function largeExportTitle(i: number): string {
  return `${SERVICES[i % SERVICES.length]} ${String(i).padStart(5, '0')}`;
}

/** How many of `count` entries have `service` in their title (case-insensitive), e.g. 'mail' → the Mail logins. */
export function largeExportCount(count: number, service: string): number {
  const index = SERVICES.findIndex((s) => s.toLowerCase() === service.toLowerCase());
  if (index < 0) throw new Error(`No service named ${service} in the large export.`);
  return Math.floor((count - 1 - index) / SERVICES.length) + 1;
}

/** The Bitwarden JSON text of `count` entries: every tenth a secure note, the rest logins with a user name and URL. */
export function largeBitwardenExport(count: number): string {
  const folders = FOLDERS.map((name, i) => ({ id: `f0000000-0000-4000-8000-00000000000${i}`, name }));
  const items = Array.from({ length: count }, (_, i) => {
    const title = largeExportTitle(i);
    const folderId = folders[i % folders.length]!.id;
    if (i % 10 === 9)
      return {
        id: `i-${i}`,
        type: 2,
        name: title,
        notes: `Recovery codes for account ${i}: ${(i * 7919).toString(36)}-${(i * 104729).toString(36)}`,
        folderId,
        secureNote: { type: 0 },
      };
    const host = SERVICES[i % SERVICES.length]!.toLowerCase().replace(/\s+/g, '');
    return {
      id: `i-${i}`,
      type: 1,
      name: title,
      notes: i % 3 === 0 ? `Security question: first pet? Answer ${(i * 31).toString(36)}` : null,
      folderId,
      login: {
        username: `person${i}@example.org`,
        password: `pw-${(i * 2654435761).toString(36)}-${i}`,
        uris: [{ match: null, uri: `https://${host}.example.com/login` }],
        totp: null,
      },
    };
  });
  return JSON.stringify({ encrypted: false, folders, items }, null, 2);
}
