/**
 * shared/protocol: invite codes, pairing messages, base32 and the friend comparison code. Property tests: any input
 * gives a value or a typed error; decode(encode(x)) = x; a typo or a flipped byte is caught.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { TesseraError } from '../../../shared/errors.ts';
import { generateIdentity } from '../../../shared/crypto/identity.ts';
import { sha256 } from '@noble/hashes/sha2.js';
import { concatBytes, utf8 } from '../../../shared/crypto/bytes.ts';
import { encodeCanonical } from '../../../shared/formats/cbor.ts';
import { fromBase32, toBase32 } from '../../../shared/protocol/base32.ts';
import {
  checkInviteFresh,
  decodeInvite,
  encodeInvite,
  inviteBytes,
  INVITE_PREFIX,
  type Invite,
} from '../../../shared/protocol/invite.ts';
import {
  decodePairMessage,
  encodePairMessage,
  pairTranscript,
  signPairing,
  verifyPairing,
  type PairMessage,
} from '../../../shared/protocol/pairing.ts';
import { MESSAGE_CAPS } from '../../../shared/protocol/protocols.ts';
import { counterRandom, fcRuns } from '../shared/helpers.ts';

const RUNS = fcRuns();
const ALICE = generateIdentity(counterRandom(11));
const BOB = generateIdentity(counterRandom(12));

function sampleInvite(overrides: Partial<Invite> = {}): Invite {
  return {
    signPublic: ALICE.signPublic,
    boxPublic: ALICE.boxPublic,
    boxSignature: ALICE.boxSignature,
    name: 'Alice',
    addresses: ['/ip4/192.168.1.20/tcp/40123', '/ip6/fd00::1/tcp/40123'],
    expiresAt: 1_800_000_000_000,
    secret: new Uint8Array(16).fill(7),
    ...overrides,
  };
}

function codeOf(err: unknown): string {
  if (err instanceof TesseraError) return err.code;
  throw err;
}

function throwsCode(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    return codeOf(err);
  }
  assert.fail('expected a typed error');
}

/** A code whose checksum is right for arbitrary `bytes`, to reach the inner decoder. */
function codeFromBytes(bytes: Uint8Array): string {
  const check = sha256(concatBytes(utf8('tessera-invite-check-v1\0'), bytes)).subarray(0, 4);
  return INVITE_PREFIX + toBase32(concatBytes(bytes, check));
}

test('base32 round-trips and forgives O/I/L and lowercase', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
      const text = toBase32(bytes);
      assert.deepEqual(fromBase32(text, 1000), bytes);
      assert.deepEqual(fromBase32(text.toLowerCase(), 1000), bytes);
    }),
    { numRuns: RUNS },
  );
  assert.equal(toBase32(Uint8Array.of(0x08, 0x42)), '1110');
  assert.deepEqual(fromBase32('ILiO', 10), Uint8Array.of(0x08, 0x42));
  assert.equal(
    throwsCode(() => fromBase32('U0', 10)),
    'BAD_REQUEST',
  );
  assert.equal(
    throwsCode(() => fromBase32('0'.repeat(11), 10)),
    'BAD_REQUEST',
  );
});

test('an invite code round-trips and carries the peer ID and a verified box key', () => {
  const code = encodeInvite(sampleInvite());
  assert.match(code, /^TESSERA:[0-9A-HJKMNP-TV-Z]+$/);
  const back = decodeInvite(code);
  assert.equal(back.name, 'Alice');
  assert.deepEqual(back.addresses, sampleInvite().addresses);
  assert.deepEqual(back.signPublic, ALICE.signPublic);
  assert.equal(back.hash.length, 32);
  // Pasted with spaces, hyphens, newlines or in lowercase: same invite.
  const messy = code
    .toLowerCase()
    .replace(/(.{5})/g, '$1-')
    .replace(/(.{30})/g, '$1\n ');
  assert.deepEqual(decodeInvite(messy).hash, back.hash);
});

test('property: decode(encode(invite)) = invite', () => {
  fc.assert(
    fc.property(
      fc.string({ minLength: 1, maxLength: 64 }).filter((s) => [...s].length <= 64),
      fc.array(fc.stringMatching(/^\/ip4\/10\.0\.\d{1,3}\.\d{1,3}\/tcp\/\d{1,5}$/), { maxLength: 8 }),
      fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
      fc.uint8Array({ minLength: 16, maxLength: 16 }),
      (name, addresses, expiresAt, secret) => {
        const invite = sampleInvite({ name, addresses, expiresAt, secret });
        const back = decodeInvite(encodeInvite(invite));
        assert.equal(back.name, name);
        assert.deepEqual(back.addresses, addresses);
        assert.equal(back.expiresAt, expiresAt);
        assert.deepEqual(back.secret, secret);
      },
    ),
    { numRuns: RUNS },
  );
});

test('a mistyped code is caught by the checksum (INVALID_CODE), at any position', () => {
  const code = encodeInvite(sampleInvite());
  const body = code.slice(INVITE_PREFIX.length);
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    const swapped = c === '7' ? '8' : '7';
    const typo = INVITE_PREFIX + body.slice(0, i) + swapped + body.slice(i + 1);
    assert.equal(
      throwsCode(() => decodeInvite(typo)),
      'INVALID_CODE',
      `typo at ${i}`,
    );
  }
  assert.equal(
    throwsCode(() => decodeInvite(code.slice(0, -3))),
    'INVALID_CODE',
  );
  assert.equal(
    throwsCode(() => decodeInvite(code + '0')),
    'INVALID_CODE',
  );
  assert.equal(
    throwsCode(() => decodeInvite('hello')),
    'INVALID_CODE',
  );
  assert.equal(
    throwsCode(() => decodeInvite('x'.repeat(100_000))),
    'INVALID_CODE',
  );
  assert.equal(
    throwsCode(() => decodeInvite(42)),
    'INVALID_CODE',
  );
});

test('property: any text gives an invite or INVALID_CODE / UNSUPPORTED_VERSION', () => {
  fc.assert(
    fc.property(
      fc.oneof(
        fc.string({ maxLength: 3000 }),
        fc.string().map((s) => INVITE_PREFIX + s),
      ),
      (text) => {
        try {
          decodeInvite(text);
        } catch (err) {
          assert.ok(['INVALID_CODE', 'UNSUPPORTED_VERSION'].includes(codeOf(err)), String(err));
        }
      },
    ),
    { numRuns: RUNS },
  );
});

test('property: any checksummed bytes give an invite or a typed error (the inner decoder)', () => {
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 1, maxLength: 1200 }), (bytes) => {
      try {
        decodeInvite(codeFromBytes(bytes));
      } catch (err) {
        assert.ok(['INVALID_CODE', 'UNSUPPORTED_VERSION'].includes(codeOf(err)), String(err));
      }
    }),
    { numRuns: RUNS },
  );
});

test('an invite with a box key its identity did not sign is refused', () => {
  const forged = inviteBytes(sampleInvite({ boxPublic: BOB.boxPublic }));
  assert.equal(
    throwsCode(() => decodeInvite(codeFromBytes(forged))),
    'INVALID_CODE',
  );
  const swapped = inviteBytes(sampleInvite({ signPublic: BOB.signPublic }));
  assert.equal(
    throwsCode(() => decodeInvite(codeFromBytes(swapped))),
    'INVALID_CODE',
  );
});

test('a newer invite version is UNSUPPORTED_VERSION, extra fields and non-canonical CBOR are INVALID_CODE', () => {
  const bytes = inviteBytes(sampleInvite());
  const v2 = Uint8Array.from(bytes);
  v2[0] = 2;
  assert.equal(
    throwsCode(() => decodeInvite(codeFromBytes(v2))),
    'UNSUPPORTED_VERSION',
  );
  const i = sampleInvite();
  const extra = concatBytes(
    new Uint8Array([1]),
    encodeCanonical({
      k: i.signPublic,
      b: i.boxPublic,
      s: i.boxSignature,
      n: i.name,
      a: i.addresses,
      x: i.expiresAt,
      r: i.secret,
      z: 1,
    }),
  );
  assert.equal(
    throwsCode(() => decodeInvite(codeFromBytes(extra))),
    'INVALID_CODE',
  );
});

test('expiry is checked against the clock', () => {
  const invite = decodeInvite(encodeInvite(sampleInvite({ expiresAt: 1000 })));
  checkInviteFresh(invite, 999);
  assert.equal(
    throwsCode(() => checkInviteFresh(invite, 1000)),
    'EXPIRED',
  );
});

test('encoding refuses an invite over its limits', () => {
  assert.equal(
    throwsCode(() => encodeInvite(sampleInvite({ name: '' }))),
    'BAD_REQUEST',
  );
  assert.equal(
    throwsCode(() => encodeInvite(sampleInvite({ name: 'x'.repeat(65) }))),
    'BAD_REQUEST',
  );
  assert.equal(
    throwsCode(() => encodeInvite(sampleInvite({ addresses: Array(9).fill('/ip4/1.2.3.4/tcp/1') }))),
    'BAD_REQUEST',
  );
  assert.equal(
    throwsCode(() => encodeInvite(sampleInvite({ addresses: ['not a multiaddr'] }))),
    'BAD_REQUEST',
  );
});

const bytes32 = fc.uint8Array({ minLength: 32, maxLength: 32 });
const bytes64 = fc.uint8Array({ minLength: 64, maxLength: 64 });
const pairMessage: fc.Arbitrary<PairMessage> = fc.oneof(
  bytes32.map((li) => ({ t: 1 as const, li })),
  fc.tuple(bytes32, bytes64).map(([di, sig]) => ({ t: 2 as const, di, sig })),
  bytes64.map((sig) => ({ t: 3 as const, sig })),
  fc.constant({ t: 4 as const }),
  fc.string({ maxLength: 200 }).map((reason) => ({ t: 5 as const, reason })),
);

test('property: decodePairMessage(encodePairMessage(m)) = m', () => {
  fc.assert(
    fc.property(pairMessage, (m) => {
      assert.deepEqual(decodePairMessage(encodePairMessage(m)), m);
    }),
    { numRuns: RUNS },
  );
});

test('property: arbitrary bytes are a pairing message or a typed error', () => {
  fc.assert(
    fc.property(fc.oneof(fc.uint8Array({ maxLength: 300 }), pairMessage.map(encodePairMessage)), (b) => {
      try {
        decodePairMessage(b);
      } catch (err) {
        assert.ok(['BAD_REQUEST', 'UNSUPPORTED_VERSION'].includes(codeOf(err)), String(err));
      }
    }),
    { numRuns: RUNS },
  );
  assert.equal(
    throwsCode(() => decodePairMessage(new Uint8Array(MESSAGE_CAPS.pair + 1))),
    'BAD_REQUEST',
  );
  assert.equal(
    throwsCode(() => decodePairMessage(encodeCanonical({ v: 2, t: 4 }))),
    'UNSUPPORTED_VERSION',
  );
  assert.equal(
    throwsCode(() => decodePairMessage(encodeCanonical({ v: 1, t: 9 }))),
    'BAD_REQUEST',
  );
  assert.equal(
    throwsCode(() => decodePairMessage(encodeCanonical({ v: 1, t: 4, x: 1 }))),
    'BAD_REQUEST',
  );
  assert.equal(
    throwsCode(() => decodePairMessage(encodeCanonical({ v: 1, t: 1, li: new Uint8Array(31) }))),
    'BAD_REQUEST',
  );
});

test('pairing signatures bind the transcript and the role', () => {
  const t = pairTranscript({
    dialerKey: ALICE.signPublic,
    listenerKey: BOB.signPublic,
    dialerInvite: new Uint8Array(32).fill(1),
    listenerInvite: new Uint8Array(32).fill(2),
  });
  const sig = signPairing(t, 'dialer', ALICE.signSeed);
  assert.ok(verifyPairing(t, 'dialer', sig, ALICE.signPublic));
  assert.equal(verifyPairing(t, 'listener', sig, ALICE.signPublic), false, 'role is bound');
  assert.equal(verifyPairing(t, 'dialer', sig, BOB.signPublic), false, 'signer is bound');
  const other = pairTranscript({
    dialerKey: ALICE.signPublic,
    listenerKey: BOB.signPublic,
    dialerInvite: new Uint8Array(32).fill(1),
    listenerInvite: new Uint8Array(32).fill(3),
  });
  assert.equal(verifyPairing(other, 'dialer', sig, ALICE.signPublic), false, 'invites are bound');
  for (let i = 0; i < sig.length; i += 7) {
    const flipped = Uint8Array.from(sig);
    flipped[i]! ^= 1;
    assert.equal(verifyPairing(t, 'dialer', flipped, ALICE.signPublic), false);
  }
});
