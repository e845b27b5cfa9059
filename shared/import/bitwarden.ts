/**
 * Bitwarden's unencrypted exports: JSON (`bw export --format json`, the web vault's "JSON") and CSV (`--format csv`).
 * A login becomes a `login` item (the password the secret, with its user name and URIs), its TOTP setup an item of
 * the `totp` kind, a secure note a `note`; custom fields go into the notes; its folder (or, in an organization export,
 * its collections) become tags. Cards, identities and SSH keys have no kind of their own yet: free-form items whose
 * fields go into the notes (a card's number and an SSH private key are the secret).
 */
import { EntryCollector, ImportFileError, type ParsedImport } from './entry.ts';
import { readCsv } from './csv.ts';

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const text = (v: unknown): string => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : '');
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

export function parseBitwardenJson(source: string): ParsedImport {
  let doc: unknown;
  try {
    doc = JSON.parse(source.replace(/^\uFEFF/, ''));
  } catch {
    throw new ImportFileError(
      'The file is not valid JSON (cut off or damaged?): it is not a Bitwarden JSON export.',
    );
  }
  if (!isObject(doc) || !Array.isArray(doc.items))
    throw new ImportFileError('The JSON file has no "items" list: it is not a Bitwarden JSON export.');
  if (doc.encrypted === true)
    throw new ImportFileError(
      'This Bitwarden export is encrypted (password- or account-protected). Export again choosing the unencrypted "JSON" format.',
    );
  const groups = new Map<string, string>();
  for (const g of [...list(doc.folders), ...list(doc.collections)])
    if (isObject(g) && typeof g.id === 'string') groups.set(g.id, text(g.name));

  const out = new EntryCollector();
  for (const raw of doc.items) {
    if (!isObject(raw)) throw new ImportFileError('An entry of the Bitwarden "items" list is not an object.');
    const type = typeof raw.type === 'number' ? raw.type : 1;
    const extra: [string, string][] = [];
    let secret = '';
    let login: { kind: 'login'; username: string; urls: string[]; totp: string } | { kind?: 'note' } = {};
    const tags = [
      ...(typeof raw.folderId === 'string' ? [groups.get(raw.folderId) ?? ''] : []),
      ...list(raw.collectionIds).map((id) => groups.get(text(id)) ?? ''),
    ];
    if (type === 1) {
      const fields = isObject(raw.login) ? raw.login : {};
      secret = text(fields.password);
      login = {
        kind: 'login',
        username: text(fields.username),
        urls: list(fields.uris).flatMap((uri) => (isObject(uri) ? [text(uri.uri)] : [])),
        totp: text(fields.totp),
      };
      if (list(fields.fido2Credentials).length > 0) out.unmapped('passkeys');
    } else if (type === 2) {
      login = { kind: 'note' };
    } else if (type === 3) {
      const card = isObject(raw.card) ? raw.card : {};
      secret = text(card.number);
      extra.push(['Cardholder', text(card.cardholderName)]);
      extra.push(['Brand', text(card.brand)]);
      const month = text(card.expMonth);
      const year = text(card.expYear);
      extra.push(['Expires', month && year ? `${month}/${year}` : month || year]);
      extra.push(['Security code', text(card.code)]);
    } else if (type === 4) {
      const id = isObject(raw.identity) ? raw.identity : {};
      for (const [key, value] of Object.entries(id)) extra.push([identityLabel(key), text(value)]);
    } else if (type === 5) {
      const key = isObject(raw.sshKey) ? raw.sshKey : {};
      secret = text(key.privateKey);
      extra.push(['Public key', text(key.publicKey)]);
      extra.push(['Key fingerprint', text(key.keyFingerprint)]);
    } else {
      out.unmapped(`items of type ${type}`);
      continue;
    }
    for (const f of list(raw.fields))
      if (isObject(f)) {
        const name = text(f.name) || 'Field';
        extra.push([`${name}${f.type === 1 ? ' (hidden)' : ''}`, text(f.value)]);
      }
    if (list(raw.passwordHistory).length > 0) out.unmapped('password history');
    if (list(raw.attachments).length > 0) out.unmapped('attachments');
    out.add({ title: text(raw.name), secret, notes: text(raw.notes), tags, extra, ...login });
  }
  return out.result('Bitwarden JSON');
}

function identityLabel(key: string): string {
  const spaced = key.replace(/([a-z])([A-Z0-9])/g, '$1 $2').toLowerCase();
  return spaced.charAt(0).toUpperCase() + spaced.slice(1);
}

const BITWARDEN_CSV = {
  required: ['type', 'name', 'notes', 'fields', 'login_uri', 'login_username', 'login_password'],
  optional: ['folder', 'collections', 'favorite', 'reprompt', 'login_totp', 'login_fido2Credentials'],
} as const;

export function parseBitwardenCsv(source: string): ParsedImport {
  const { rows } = readCsv(source, 'Bitwarden', BITWARDEN_CSV);
  const out = new EntryCollector();
  for (const row of rows) {
    const type = row.type ?? '';
    if (type !== 'login' && type !== 'note') {
      out.unmapped(`items of type "${type}"`);
      continue;
    }
    const extra: [string, string][] = [];
    for (const line of (row.fields ?? '').split(/\r?\n/)) {
      const at = line.indexOf(': ');
      if (line.trim() === '') continue;
      extra.push(at > 0 ? [line.slice(0, at), line.slice(at + 2)] : ['Field', line]);
    }
    if ((row.login_fido2Credentials ?? '').trim() !== '') out.unmapped('passkeys');
    const tags = [
      ...(row.folder ?? '').split('/').slice(-1),
      ...(row.collections ?? '').split(',').map((c) => c.split('/').pop() ?? ''),
    ];
    out.add({
      title: row.name ?? '',
      secret: type === 'login' ? (row.login_password ?? '') : '',
      notes: row.notes ?? '',
      tags,
      extra,
      ...(type === 'login'
        ? {
            kind: 'login' as const,
            username: row.login_username ?? '',
            urls: (row.login_uri ?? '').split(','),
            totp: row.login_totp ?? '',
          }
        : { kind: 'note' as const }),
    });
  }
  return out.result('Bitwarden CSV');
}
