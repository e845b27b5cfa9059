/**
 * One-time codes and seed phrases (shared/items/totp.ts, seed.ts): the codes of RFC 6238 Appendix B through the
 * `otpauth://` URIs a person pastes, and the BIP-39 checksum recomputed here from the wordlist and SHA-256 (BIP-39,
 * "Generating the mnemonic") so the library's verdict is checked against the specification, not against itself.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { base32 } from '@scure/base';
import { sha256 } from '@noble/hashes/sha2.js';
import { wordlist } from '@scure/bip39/wordlists/english.js';
import { InvalidOtpauthError, otpauthFromInput, parseOtpauth, totpCode } from '../../../shared/items/totp.ts';
import { checkSeedPhrase } from '../../../shared/items/seed.ts';

const ascii = (s: string) => new TextEncoder().encode(s);

/** RFC 6238 Appendix B: the seeds are ASCII "1234567890" repeated to the hash's key size. */
const SEEDS = {
  SHA1: ascii('12345678901234567890'),
  SHA256: ascii('12345678901234567890123456789012'),
  SHA512: ascii('1234567890123456789012345678901234567890123456789012345678901234'),
};

/** RFC 6238 Appendix B, the table of test values (time in seconds, then SHA-1, SHA-256, SHA-512 codes). */
const APPENDIX_B: [number, string, string, string][] = [
  [59, '94287082', '46119246', '90693936'],
  [1111111109, '07081804', '68084774', '25091201'],
  [1111111111, '14050471', '67062674', '99943326'],
  [1234567890, '89005924', '91819424', '93441116'],
  [2000000000, '69279037', '90698825', '38618901'],
  [20000000000, '65353130', '77737706', '47863826'],
];

function uriFor(algorithm: keyof typeof SEEDS): string {
  const secret = base32.encode(SEEDS[algorithm]).replace(/=+$/, '');
  return `otpauth://totp/RFC6238:test?secret=${secret}&algorithm=${algorithm}&digits=8&period=30&issuer=RFC6238`;
}

test('TOTP codes match RFC 6238 Appendix B for SHA-1, SHA-256 and SHA-512', () => {
  for (const [seconds, sha1, sha256code, sha512] of APPENDIX_B) {
    assert.equal(totpCode(uriFor('SHA1'), seconds * 1000).code, sha1, `SHA-1 at T=${seconds}`);
    assert.equal(totpCode(uriFor('SHA256'), seconds * 1000).code, sha256code, `SHA-256 at T=${seconds}`);
    assert.equal(totpCode(uriFor('SHA512'), seconds * 1000).code, sha512, `SHA-512 at T=${seconds}`);
  }
});

test('the countdown is what is left of the period, and a short period changes the code at its boundary', () => {
  const uri = uriFor('SHA1');
  assert.equal(totpCode(uri, 59_000).remaining, 1);
  assert.equal(totpCode(uri, 60_000).remaining, 30);
  assert.equal(totpCode(uri, 45_500).remaining, 15);
  const short = uri.replace('period=30', 'period=2');
  assert.equal(parseOtpauth(short).period, 2);
  // Same 2-second step, same code; the next step, another code (RFC 6238 §4.2: T = floor(time / X)).
  assert.equal(totpCode(short, 10_000).code, totpCode(short, 11_999).code);
  assert.notEqual(totpCode(short, 11_999).code, totpCode(short, 12_000).code);
});

test('an otpauth URI is parsed with its label, issuer and settings; bad ones are refused saying why', () => {
  const setup = parseOtpauth(uriFor('SHA256'));
  assert.deepEqual(setup, { issuer: 'RFC6238', label: 'test', algorithm: 'SHA256', digits: 8, period: 30 });
  const refused: [string, RegExp][] = [
    ['JBSWY3DPEHPK3PXP', /needs an otpauth:\/\/ address/],
    ['otpauth://hotp/x?secret=JBSWY3DPEHPK3PXP&counter=0', /counter-based codes \(hotp\)/],
    ['otpauth://totp/x?digits=6', /cannot be read/],
    ['otpauth://totp/x?secret=JBSWY3DPEHPK3PXP&period=0', /period/],
  ];
  for (const [uri, message] of refused)
    assert.throws(
      () => parseOtpauth(uri),
      (err: unknown) => err instanceof InvalidOtpauthError && message.test(err.message),
      uri,
    );
});

test('a bare base32 key (as some exports hold it) becomes an otpauth URI with the RFC 6238 defaults', () => {
  const uri = otpauthFromInput('gezd gnbv gy3t qojq', 'Mail');
  assert.match(uri, /^otpauth:\/\/totp\/Mail\?secret=GEZDGNBVGY3TQOJQ&/);
  assert.deepEqual(parseOtpauth(uri), {
    issuer: '',
    label: 'Mail',
    algorithm: 'SHA1',
    digits: 6,
    period: 30,
  });
  // A URI is kept exactly as given.
  assert.equal(otpauthFromInput(` ${uriFor('SHA1')} `, 'ignored'), uriFor('SHA1'));
  assert.throws(() => otpauthFromInput('not a key!', 'x'), InvalidOtpauthError);
  // A word that happens to be base32 is not a key: a key has at least 80 bits (16 characters).
  assert.throws(() => otpauthFromInput('hi', 'x'), /at least 16 letters/);
});

/** BIP-39: ENT bits of entropy then ENT/32 bits of SHA-256(entropy), 11 bits a word. */
function checksumVerifies(phrase: string): boolean {
  const words = phrase.split(' ');
  const bits = words.map((w) => wordlist.indexOf(w).toString(2).padStart(11, '0')).join('');
  const entBits = (words.length * 11 * 32) / 33;
  const entropy = Uint8Array.from(
    bits
      .slice(0, entBits)
      .match(/.{8}/g)!
      .map((b) => parseInt(b, 2)),
  );
  const hash = [...sha256(entropy)].map((b) => b.toString(2).padStart(8, '0')).join('');
  return bits.slice(entBits) === hash.slice(0, entBits / 32);
}

/** Phrases of the BIP-39 reference test vectors (trezor/python-mnemonic vectors.json). */
const VALID = [
  'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about',
  'legal winner thank year wave sausage worth useful legal winner thank yellow',
  'letter advice cage absurd amount doctor acoustic avoid letter advice cage above',
  'zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo vote',
  'scheme spot photo card baby mountain device kick cradle pact join borrow',
];

test('BIP-39 phrases of the reference vectors verify, as the checksum recomputed here says', () => {
  for (const phrase of VALID) {
    assert.ok(checksumVerifies(phrase), phrase);
    const check = checkSeedPhrase(phrase);
    assert.equal(check.valid, true, phrase);
    assert.equal(check.warning, undefined);
  }
  // Case and extra white space are the person's typing, not a different phrase.
  assert.equal(checkSeedPhrase(`  ${VALID[1]!.toUpperCase().replaceAll(' ', '\n ')} `).valid, true);
});

test('a phrase with two words swapped or one word changed gets the checksum warning, not a refusal', () => {
  let warned = 0;
  for (const phrase of VALID) {
    const words = phrase.split(' ');
    for (let i = 0; i + 1 < words.length; i++) {
      if (words[i] === words[i + 1]) continue;
      const swapped = [...words];
      [swapped[i], swapped[i + 1]] = [swapped[i + 1]!, swapped[i]!];
      const text = swapped.join(' ');
      const check = checkSeedPhrase(text);
      assert.equal(check.valid, checksumVerifies(text), text);
      if (!check.valid) {
        warned++;
        assert.match(check.warning!, /checksum does not verify/);
        assert.deepEqual(check.unknown, []);
      }
    }
  }
  // A swap keeps the checksum by chance only 1 time in 2^(ENT/32) (16 for 12 words, 256 for 24).
  assert.ok(warned > 30, `only ${warned} swapped phrases were flagged`);
  const changed = VALID[1]!.replace('sausage', 'saddle');
  assert.equal(checkSeedPhrase(changed).valid, checksumVerifies(changed));
});

test('a wrong word count and words outside the wordlist are named in the warning', () => {
  const eleven = VALID[0]!.split(' ').slice(0, 11).join(' ');
  assert.match(checkSeedPhrase(eleven).warning!, /has 11 words; a BIP-39 phrase has 12, 15, 18, 21 or 24/);
  const typo = VALID[1]!.replaceAll('thank ', 'thanks ');
  const check = checkSeedPhrase(typo);
  assert.equal(check.valid, false);
  assert.deepEqual(check.unknown, [
    { position: 3, word: 'thanks' },
    { position: 11, word: 'thanks' },
  ]);
  assert.match(check.warning!, /word 3 "thanks", word 11 "thanks"/);
  assert.equal(checkSeedPhrase('   ').warning, 'The seed phrase is empty.');
});
