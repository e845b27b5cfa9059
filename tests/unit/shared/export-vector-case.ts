/**
 * The fixed input of tests/vectors/export.json (PROTOCOL §12): two items, one with a file and a previous secret,
 * sealed under a fixed passphrase with scrypt at the read floor (N = 2^14) and deterministic "random" bytes.
 */
import { scrypt } from '@noble/hashes/scrypt.js';
import { toHex } from '../../../shared/crypto/bytes.ts';
import {
  sealExport,
  type ExportContent,
  type ExportScryptParams,
  type ScryptFn,
} from '../../../shared/formats/export-file.ts';

export const EXPORT_PASSPHRASE = 'Correct horse, battery staple \u00e9'; // é composed: NFC is the identity here
export const EXPORT_PARAMS: ExportScryptParams = { logN: 14, r: 8, p: 1 };

export const EXPORT_CONTENT: ExportContent = {
  exportedAt: 1_767_225_600_000,
  items: [
    {
      title: 'Bank',
      secret: 'pin 1234',
      notes: 'Joint account\n\nUsername: ann',
      tags: ['money'],
      createdAt: 1_700_000_000_000,
      updatedAt: 1_700_000_100_000,
      files: [{ name: 'card.png', mediaType: 'image/png', data: new Uint8Array([0x89, 0x50, 0x4e, 0x47]) }],
      history: [{ secret: 'pin 0000', replacedAt: 1_700_000_100_000 }],
    },
    {
      title: 'Wifi',
      secret: 'h4ll-router',
      notes: '',
      tags: [],
      createdAt: 1_700_000_200_000,
      updatedAt: 1_700_000_200_000,
      files: [],
      history: [],
    },
  ],
};

/** scrypt (RFC 7914) from @noble/hashes: a second implementation beside the app's node:crypto one. */
export const nobleScrypt: ScryptFn = (password, salt, { logN, r, p }) =>
  Promise.resolve(scrypt(password, salt, { N: 2 ** logN, r, p, dkLen: 32 }));

/** Deterministic bytes: 0x00, 0x01, 0x02, … (the salt is 00..0f, the nonce 10..27). */
export function counterRandom(): (n: number) => Uint8Array {
  let next = 0;
  return (n) => Uint8Array.from({ length: n }, () => next++ & 0xff);
}

export async function computeExportVector() {
  const file = await sealExport(
    EXPORT_CONTENT,
    EXPORT_PASSPHRASE,
    nobleScrypt,
    counterRandom(),
    EXPORT_PARAMS,
  );
  const key = await nobleScrypt(
    new TextEncoder().encode(EXPORT_PASSPHRASE.normalize('NFC')),
    counterRandom()(16),
    EXPORT_PARAMS,
  );
  return {
    description:
      'Tessera encrypted export (PROTOCOL §12): EXPORT_CONTENT of tests/unit/shared/export-vector-case.ts sealed under the passphrase with scrypt N=2^14 r=8 p=1, salt 00..0f, nonce 10..27.',
    passphrase: EXPORT_PASSPHRASE,
    scrypt: EXPORT_PARAMS,
    salt: toHex(counterRandom()(16)),
    key: toHex(key),
    file: toHex(file),
  };
}
