/**
 * Shard envelopes: one per custodian, signed by the owner, then sealed to the custodian's X25519 key.
 *
 *   body   = canonical CBOR map { v: 1, split: bytes16, owner: bytes32, custodian: bytes32, t: uint,
 *                                 commit: bytes32, x: uint 1..255, y: bytes32, created: uint (ms since epoch),
 *                                 w?: uint (the remote-recovery waiting period in ms, PROTOCOL §11.7) }
 *   signed = canonical CBOR map { v: 1, body: bytes, sig: bytes64 }
 *            sig = Ed25519(owner, signingInput("tessera/shard-envelope/v1", body))
 *   sealed = sealTo(custodian.boxPublic, signed, context "tessera/shard-envelope/v1")
 *
 * `owner` and `custodian` are Ed25519 identity public keys (peer IDs derive from them). No envelope names any other
 * custodian or the number of custodians.
 *
 * Custodians store `sealed` as received; during recovery they open it and send `signed` to the owner's new device
 * over the authenticated mesh stream.
 */
import { equalBytes, toHex } from '../crypto/bytes.ts';
import { openSealed, sealTo, SEALED_BOX_OVERHEAD } from '../crypto/box.ts';
import {
  BadShardError,
  InvalidArgumentError,
  MalformedDataError,
  SignatureError,
  UnsupportedFormatError,
} from '../crypto/errors.ts';
import { verifyBoxKey, type IdentityKeys } from '../crypto/identity.ts';
import { systemRandom, type RandomSource } from '../crypto/random.ts';
import { SIGN_CONTEXTS, signWithContext, verifyWithContext } from '../crypto/sign.ts';
import { decodeCanonical, encodeCanonical } from '../formats/cbor.ts';
import { asMap, expectKeys, readBytes, readUint } from '../formats/fields.ts';
import { KEY_BYTES, MAX_SHARES, MIN_THRESHOLD, SPLIT_ID_BYTES, type KeySplit } from './split.ts';

export const SHARD_ENVELOPE_VERSION = 1;
/** Caps checked before any decoding. A real signed envelope is about 270 bytes. */
export const MAX_SIGNED_ENVELOPE_BYTES = 1024;
export const MAX_SEALED_ENVELOPE_BYTES = MAX_SIGNED_ENVELOPE_BYTES + SEALED_BOX_OVERHEAD;
const SEAL_CONTEXT = SIGN_CONTEXTS.shardEnvelope;

export interface ShardEnvelope {
  splitId: Uint8Array;
  owner: Uint8Array;
  custodian: Uint8Array;
  threshold: number;
  commitment: Uint8Array;
  x: number;
  y: Uint8Array;
  created: number;
  /**
   * How long a remote recovery must wait before this piece is released, in ms (PROTOCOL §11.7). Absent in envelopes
   * made before the waiting period existed, which mean DEFAULT_WAITING_PERIOD_MS.
   */
  waitingPeriodMs?: number;
}

/** What an envelope without `w` means: 48 hours (PROTOCOL §11.7). */
export const DEFAULT_WAITING_PERIOD_MS = 48 * 60 * 60_000;
/** The longest waiting period an owner may choose: 30 days. */
export const MAX_WAITING_PERIOD_MS = 30 * 24 * 60 * 60_000;

/** The waiting period an envelope asks for (its `w`, or the default of envelopes made before it existed). */
export function waitingPeriodOf(env: Pick<ShardEnvelope, 'waitingPeriodMs'>): number {
  return env.waitingPeriodMs ?? DEFAULT_WAITING_PERIOD_MS;
}

/** The custodian as the owner knows them (from pairing): identity key and signed box key. */
export interface CustodianKeys {
  signPublic: Uint8Array;
  boxPublic: Uint8Array;
  boxSignature: Uint8Array;
}

export function encodeEnvelopeBody(env: ShardEnvelope): Uint8Array {
  return encodeCanonical({
    v: SHARD_ENVELOPE_VERSION,
    split: env.splitId,
    owner: env.owner,
    custodian: env.custodian,
    t: env.threshold,
    commit: env.commitment,
    x: env.x,
    y: env.y,
    created: env.created,
    ...(env.waitingPeriodMs === undefined ? {} : { w: env.waitingPeriodMs }),
  });
}

function decodeEnvelopeBody(body: Uint8Array): ShardEnvelope {
  const what = 'Shard envelope body';
  const m = asMap(decodeCanonical(body, MAX_SIGNED_ENVELOPE_BYTES, what), what);
  if (m.v !== SHARD_ENVELOPE_VERSION) throw new UnsupportedFormatError('This shard', m.v);
  expectKeys(m, what, ['v', 'split', 'owner', 'custodian', 't', 'commit', 'x', 'y', 'created'], ['w']);
  return {
    splitId: readBytes(m, 'split', what, { exact: SPLIT_ID_BYTES }),
    owner: readBytes(m, 'owner', what, { exact: 32 }),
    custodian: readBytes(m, 'custodian', what, { exact: 32 }),
    threshold: readUint(m, 't', what, MAX_SHARES, MIN_THRESHOLD),
    commitment: readBytes(m, 'commit', what, { exact: 32 }),
    x: readUint(m, 'x', what, 255, 1),
    y: readBytes(m, 'y', what, { exact: KEY_BYTES }),
    created: readUint(m, 'created', what),
    ...(Object.hasOwn(m, 'w') ? { waitingPeriodMs: readUint(m, 'w', what, MAX_WAITING_PERIOD_MS) } : {}),
  };
}

/** Signs an envelope with the owner's identity seed. The envelope's `owner` must be that seed's public key. */
export function signShardEnvelope(env: ShardEnvelope, ownerSignSeed: Uint8Array): Uint8Array {
  const body = encodeEnvelopeBody(env);
  const sig = signWithContext(SIGN_CONTEXTS.shardEnvelope, body, ownerSignSeed);
  if (!verifyWithContext(SIGN_CONTEXTS.shardEnvelope, body, sig, env.owner))
    throw new InvalidArgumentError('The envelope owner is not the key it is being signed with.');
  return encodeCanonical({ v: SHARD_ENVELOPE_VERSION, body, sig });
}

/**
 * Parses a signed envelope and verifies the owner's signature over it (against the owner key inside it; compare
 * `owner` with the key you expect). Throws MalformedDataError, UnsupportedFormatError or SignatureError.
 */
export function verifyShardEnvelope(signed: Uint8Array): ShardEnvelope {
  const what = 'Shard envelope';
  const m = asMap(decodeCanonical(signed, MAX_SIGNED_ENVELOPE_BYTES, what), what);
  if (m.v !== SHARD_ENVELOPE_VERSION) throw new UnsupportedFormatError('This shard', m.v);
  expectKeys(m, what, ['v', 'body', 'sig']);
  const body = readBytes(m, 'body', what, { max: MAX_SIGNED_ENVELOPE_BYTES });
  const sig = readBytes(m, 'sig', what, { exact: 64 });
  const env = decodeEnvelopeBody(body);
  if (!verifyWithContext(SIGN_CONTEXTS.shardEnvelope, body, sig, env.owner))
    throw new SignatureError('this shard');
  return env;
}

/** Seals a signed envelope to the custodian's box key, after checking that key is signed by the custodian. */
export function sealShardEnvelope(
  signed: Uint8Array,
  custodian: CustodianKeys,
  random: RandomSource = systemRandom,
): Uint8Array {
  if (!verifyBoxKey(custodian.signPublic, custodian.boxPublic, custodian.boxSignature))
    throw new SignatureError("the custodian's encryption key");
  return sealTo(custodian.boxPublic, signed, SEAL_CONTEXT, random);
}

export interface OpenedShard {
  envelope: ShardEnvelope;
  /** The signed envelope, to send to the owner during recovery. */
  signed: Uint8Array;
}

/**
 * Custodian side: decrypts a sealed envelope with the custodian's keys, verifies the owner's signature and checks it
 * is addressed to this custodian (and, if given, from `expectedOwner`). Throws a typed error for any input.
 */
export function openShardEnvelope(
  sealed: Uint8Array,
  custodian: Pick<IdentityKeys, 'signPublic' | 'boxSecret' | 'boxPublic'>,
  expectedOwner?: Uint8Array,
): OpenedShard {
  if (!(sealed instanceof Uint8Array)) throw new MalformedDataError('Sealed shard', 'expected bytes');
  if (sealed.length > MAX_SEALED_ENVELOPE_BYTES)
    throw new MalformedDataError('Sealed shard', `larger than ${MAX_SEALED_ENVELOPE_BYTES} bytes`);
  const signed = openSealed(custodian.boxSecret, custodian.boxPublic, sealed, SEAL_CONTEXT, 'this shard');
  const envelope = verifyShardEnvelope(signed);
  if (!equalBytes(envelope.custodian, custodian.signPublic))
    throw new BadShardError('This shard is addressed to a different custodian.');
  if (expectedOwner && !equalBytes(envelope.owner, expectedOwner))
    throw new BadShardError('This shard belongs to a different owner than expected.');
  return { envelope, signed };
}

/**
 * Owner side: one sealed envelope per custodian for a fresh split (custodians[i] gets split.shares[i]).
 */
export function createShardEnvelopes(
  split: KeySplit,
  owner: Pick<IdentityKeys, 'signSeed' | 'signPublic'>,
  custodians: readonly CustodianKeys[],
  created: number,
  random: RandomSource = systemRandom,
  waitingPeriodMs?: number,
): Uint8Array[] {
  if (custodians.length !== split.shares.length)
    throw new InvalidArgumentError(
      `Need one custodian per share (${split.shares.length}), got ${custodians.length}.`,
    );
  const seen = new Set<string>();
  for (const c of custodians) {
    const id = toHex(c.signPublic);
    if (seen.has(id)) throw new InvalidArgumentError('Each custodian can hold only one shard of a split.');
    seen.add(id);
  }
  return custodians.map((c, i) => {
    const share = split.shares[i]!;
    const signed = signShardEnvelope(
      {
        splitId: split.splitId,
        owner: owner.signPublic,
        custodian: c.signPublic,
        threshold: split.threshold,
        commitment: split.commitment,
        x: share.x,
        y: share.y,
        created,
        ...(waitingPeriodMs === undefined ? {} : { waitingPeriodMs }),
      },
      owner.signSeed,
    );
    return sealShardEnvelope(signed, c, random);
  });
}
