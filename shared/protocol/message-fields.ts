/**
 * Pieces shared by the mesh protocols' message codecs (backup, recovery): chunk ids and chunks as they travel, and
 * the "this step expects one of these message types" check. Each reader checks types and sizes; the byte strings it
 * returns are the decoder's own copies (see fields.ts readBytes), never views of the received frame.
 */
import { MalformedDataError } from '../crypto/errors.ts';
import { MAX_CHUNK_BYTES } from '../formats/chunk-crypto.ts';
import { MAX_MANIFEST_CHUNKS } from '../formats/manifest.ts';
import { readArray, readBytes, type CborMap } from '../formats/fields.ts';

export const CHUNK_ID_BYTES = 32;

/** A list of chunk ids (32 bytes each), at most as many as a manifest can list. */
export function readChunkIds(map: CborMap, key: string, what: string): Uint8Array[] {
  return readArray(map, key, what, MAX_MANIFEST_CHUNKS).map((id) => {
    if (!(id instanceof Uint8Array) || id.length !== CHUNK_ID_BYTES)
      throw new MalformedDataError(what, 'bad chunk id');
    return Uint8Array.from(id);
  });
}

/** One encrypted chunk with its id (fields `id` and `data`). */
export function readChunk(map: CborMap, what: string): { id: Uint8Array; data: Uint8Array } {
  return {
    id: readBytes(map, 'id', what, { exact: CHUNK_ID_BYTES }),
    data: readBytes(map, 'data', what, { max: MAX_CHUNK_BYTES }),
  };
}

/**
 * A protocol step: the decoded message must be one of `types`, or `refused` (always allowed, so the other side can
 * say why it stopped). Anything else is a protocol violation.
 */
export function expectStep<M extends { t: string }, T extends M['t']>(
  msg: M,
  types: readonly T[],
  what: string,
): Extract<M, { t: T }> | Extract<M, { t: 'refused' }> {
  if (msg.t !== 'refused' && !(types as readonly string[]).includes(msg.t)) {
    throw new MalformedDataError(what, `expected ${types.join(' or ')}, got ${msg.t}`);
  }
  return msg as Extract<M, { t: T }> | Extract<M, { t: 'refused' }>;
}
