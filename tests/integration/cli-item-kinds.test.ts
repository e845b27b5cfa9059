/**
 * `tessera item add --kind …` and `tessera item show` as scripts use them: every step a separate CLI process with
 * `--json` on a data dir opened directly (no serve), every output checked against the public schemas in
 * shared/api/cli-output.ts. The one-time code shown is checked against RFC 6238 computed here with node:crypto's HMAC.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { base32 } from '@scure/base';
import { CliError, CliItem, CliItemList, CliItemShow, CliStatus } from '../../shared/api/cli-output.ts';
import { runCli, tempDataDir } from '../helpers/serve-process.ts';
import { cli, CLI_ENV } from '../helpers/cli-json.ts';

const KEY = base32.encode(new TextEncoder().encode('12345678901234567890')).replace(/=+$/, '');
const OTPAUTH = `otpauth://totp/Mail:sam?secret=${KEY}&issuer=Mail`;

/** RFC 6238 §4 with HMAC-SHA-1 (RFC 4226 §5.3 dynamic truncation), 6 digits, 30-second steps. */
function rfc6238(ms: number): string {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(ms / 1000 / 30)));
  const mac = createHmac('sha1', Buffer.from('12345678901234567890')).update(counter).digest();
  const offset = mac[19]! & 0xf;
  return String((mac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000).padStart(6, '0');
}

test(
  'item add with kinds and their fields; item show prints the current one-time code',
  { timeout: 120_000 },
  async () => {
    const dir = tempDataDir();
    assert.equal((await cli(dir, CliStatus, ['init', '--name', 'Dana'])).state, 'unlocked');

    const login = await cli(
      dir,
      CliItem,
      [
        'items',
        'add',
        'Mail',
        '--kind',
        'login',
        '--username',
        'sam',
        '--url',
        'mail.test',
        '--url',
        'https://webmail.test',
      ],
      'pw-123\n',
    );
    assert.deepEqual(
      [login.kind, login.username, login.urls, login.secret],
      ['login', 'sam', ['mail.test', 'https://webmail.test'], 'pw-123'],
    );
    const got = await cli(dir, CliItem, ['item', 'get', 'Mail']);
    assert.deepEqual(
      [got.kind, got.username, got.urls, got.secret],
      [login.kind, 'sam', login.urls, 'pw-123'],
    );

    await cli(dir, CliItem, ['item', 'add', 'Mail code', '--kind', 'totp', '--otpauth', OTPAUTH]);
    const before = Date.now();
    const shown = await cli(dir, CliItemShow, ['item', 'show', 'Mail code']);
    const afterMs = Date.now();
    assert.equal(shown.kind, 'totp');
    assert.equal(shown.secret, OTPAUTH);
    assert.ok(shown.code, 'a one-time code item shows its code');
    assert.equal(shown.code.period, 30);
    assert.ok(shown.code.remaining >= 1 && shown.code.remaining <= 30);
    // The command ran between `before` and `afterMs`: its code is the one of a 30 s step in that span.
    assert.ok(
      [rfc6238(before), rfc6238(afterMs)].includes(shown.code.code),
      `code ${shown.code.code} is not RFC 6238's for the time of the command`,
    );

    // A bare setup key on standard input becomes an otpauth:// URI.
    const fromKey = await cli(
      dir,
      CliItem,
      ['item', 'add', 'Chat code', '--kind', 'totp'],
      `${KEY.toLowerCase()}\n`,
    );
    assert.match(fromKey.secret, new RegExp(`^otpauth://totp/Chat%20code\\?secret=${KEY}&`));

    const valid = 'legal winner thank year wave sausage worth useful legal winner thank yellow';
    const good = await cli(dir, CliItem, ['item', 'add', 'Wallet', '--kind', 'seed'], `${valid}\n`);
    assert.equal(good.seedWarning, undefined);
    const swapped = valid.replace('legal winner', 'winner legal');
    const bad = await cli(dir, CliItem, ['item', 'add', 'Old wallet', '--kind', 'seed'], `${swapped}\n`);
    assert.match(bad.seedWarning ?? '', /checksum does not verify/);
    assert.equal(bad.secret, swapped, 'saved as typed: a warning, not a refusal');
    assert.match((await cli(dir, CliItemShow, ['item', 'show', 'Old wallet'])).seedWarning ?? '', /checksum/);

    const note = await cli(dir, CliItem, ['item', 'add', 'Door', '--kind', 'note'], 'code 1234#\n');
    assert.deepEqual([note.kind, note.secret, note.notes], ['note', '', 'code 1234#']);
    // Without --kind, an item is added as before (the free-form kind).
    const plain = await cli(dir, CliItem, ['item', 'add', 'Plain'], 'x\n');
    assert.deepEqual([plain.kind, plain.username, plain.urls], ['secret', undefined, undefined]);

    assert.deepEqual(
      (await cli(dir, CliItemList, ['item', 'list'])).map((i) => [i.title, i.kind]),
      [
        ['Chat code', 'totp'],
        ['Door', 'note'],
        ['Mail', 'login'],
        ['Mail code', 'totp'],
        ['Old wallet', 'seed'],
        ['Plain', 'secret'],
        ['Wallet', 'seed'],
      ],
    );

    // Human output of item show: the code and its countdown, never the login's password.
    const human = await runCli(['--data', dir, 'item', 'show', 'Mail code'], { env: CLI_ENV });
    assert.match(human.stdout, /^Code: \d{6} {2}\(\d+ s left of 30\)$/m);
    const humanLogin = await runCli(['--data', dir, 'item', 'show', 'Mail'], { env: CLI_ENV });
    assert.match(
      humanLogin.stdout,
      /User name: sam\nWeb address: mail\.test\nWeb address: https:\/\/webmail\.test/,
    );
    assert.doesNotMatch(humanLogin.stdout, /pw-123/);

    // Wrong uses: a usage error (exit 2) before anything is read, or the core's refusal naming the problem.
    for (const args of [
      ['item', 'add', 'X', '--kind', 'card'],
      ['item', 'add', 'X', '--kind', 'note', '--url', 'a.test'],
      ['item', 'add', 'X', '--otpauth', OTPAUTH],
    ]) {
      const result = await runCli(['--data', dir, ...args], { env: CLI_ENV });
      assert.equal(result.code, 2, `tessera ${args.join(' ')} should be a usage error`);
    }
    const refused = await runCli(['--data', dir, '--json', 'item', 'add', 'X', '--kind', 'totp'], {
      env: CLI_ENV,
      input: 'hello\n',
    });
    assert.equal(refused.code, 1);
    const body = CliError.parse(JSON.parse(refused.stdout));
    assert.deepEqual([body.error.code, /otpauth:\/\//.test(body.error.message)], ['BAD_REQUEST', true]);
  },
);
