/**
 * Receipts a custodian signs for the owner, so the owner can show (and later prove) what each custodian confirmed:
 *
 *   body = canonical CBOR { v: 1, kind: 1 (holding) | 2 (deletion), owner: bytes32, custodian: bytes32,
 *                           split: bytes16, version: uint, manifest: bytes32 (SHA-256 of the signed manifest, or
 *                           32 zero bytes for a deletion), at: uint (ms since epoch) }
 *   signed = canonical CBOR { v: 1, body: bytes, sig: Ed25519(custodian, signingInput("tessera/receipt/v1", body)) }
 *
 * A custodian signs a holding receipt only after the shard and chunks are committed to its database.
 */
import { decodeCanonical, encodeCanonical } from '../formats/cbor.ts';
import { asMap, expectKeys, readBytes, readUint } from '../formats/fields.ts';
import { MalformedDataError, SignatureError, UnsupportedFormatError } from '../crypto/errors.ts';
import { signWithContext, verifyWithContext } from '../crypto/sign.ts';
import { equalBytes } from '../crypto/bytes.ts';

export const RECEIPT_CONTEXT = 'tessera/receipt/v1';
export const MAX_RECEIPT_BYTES = 512;

export type ReceiptKind = 'holding' | 'deletion';

export interface Receipt {
  kind: ReceiptKind;
  owner: Uint8Array;
  custodian: Uint8Array;
  split: Uint8Array;
  version: number;
  manifest: Uint8Array;
  at: number;
}

const KIND_CODES: Record<ReceiptKind, number> = { holding: 1, deletion: 2 };

export function signReceipt(receipt: Receipt, custodianSignSeed: Uint8Array): Uint8Array {
  const body = encodeCanonical({
    v: 1,
    kind: KIND_CODES[receipt.kind],
    owner: receipt.owner,
    custodian: receipt.custodian,
    split: receipt.split,
    version: receipt.version,
    manifest: receipt.manifest,
    at: receipt.at,
  });
  return encodeCanonical({ v: 1, body, sig: signWithContext(RECEIPT_CONTEXT, body, custodianSignSeed) });
}

/** Parses a signed receipt and checks it was signed by `custodianSignPublic`. */
export function verifyReceipt(signed: Uint8Array, custodianSignPublic: Uint8Array): Receipt {
  const what = 'Receipt';
  const outer = asMap(decodeCanonical(signed, MAX_RECEIPT_BYTES, what), what);
  if (outer.v !== 1) throw new UnsupportedFormatError(what, outer.v);
  expectKeys(outer, what, ['v', 'body', 'sig']);
  const body = readBytes(outer, 'body', what, { max: MAX_RECEIPT_BYTES });
  const sig = readBytes(outer, 'sig', what, { exact: 64 });
  if (!verifyWithContext(RECEIPT_CONTEXT, body, sig, custodianSignPublic))
    throw new SignatureError('a receipt');
  const map = asMap(decodeCanonical(body, MAX_RECEIPT_BYTES, what), what);
  expectKeys(map, what, ['v', 'kind', 'owner', 'custodian', 'split', 'version', 'manifest', 'at']);
  if (map.v !== 1) throw new UnsupportedFormatError(what, map.v);
  const code = readUint(map, 'kind', what, 2, 1);
  const kind: ReceiptKind = code === 1 ? 'holding' : 'deletion';
  const receipt: Receipt = {
    kind,
    owner: readBytes(map, 'owner', what, { exact: 32 }),
    custodian: readBytes(map, 'custodian', what, { exact: 32 }),
    split: readBytes(map, 'split', what, { exact: 16 }),
    version: readUint(map, 'version', what),
    manifest: readBytes(map, 'manifest', what, { exact: 32 }),
    at: readUint(map, 'at', what),
  };
  if (!equalBytes(receipt.custodian, custodianSignPublic))
    throw new MalformedDataError(what, 'names another custodian');
  return receipt;
}
