/**
 * "NAME needs to update Tessera" (shared/needs-update.ts, PROTOCOL §13.3): evidence classified into what a friend's
 * device cannot do, the refusal texts recognised (narrowly), the sentences, what the backup status makes of it
 * (electron/core/backup/status-view.ts and the one rule, shared/backup-summary.ts) and the `refused` frame's code.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  OLDER_RELEASE_REFUSAL,
  classifyEvidence,
  isOlderCustodianError,
  isOlderReleaseRefusal,
  needsUpdate,
  olderCustodianError,
} from '../../../shared/needs-update.ts';
import { PROTOCOLS } from '../../../shared/protocol/protocols.ts';
import { UnsupportedFormatError } from '../../../shared/crypto/errors.ts';
import { RefusedError } from '../../../shared/errors.ts';
import { decodeBackupMessage, encodeBackupMessage } from '../../../shared/protocol/backup.ts';
import { decodeCanonical } from '../../../shared/formats/cbor.ts';
import { backupStatusView } from '../../../electron/core/backup/status-view.ts';
import { summarizeBackup } from '../../../shared/backup-summary.ts';
import { NOW, custodian } from '../backup/rows.ts';

// What identify lists for a friend's device on the previous release (no comparison) and on the current one; recovery
// protocols are served by a new device's session only (PROTOCOL §11.3), never by a friend's device.
const PREVIOUS = [PROTOCOLS.pair, PROTOCOLS.backup, PROTOCOLS.forward];
const CURRENT = [...PREVIOUS, PROTOCOLS.verify, PROTOCOLS.profile];

test('evidence: what identify lists, and failed negotiations, say a device cannot do', () => {
  assert.deepEqual(
    [...classifyEvidence([{ kind: 'identify', protocols: PREVIOUS, agentVersion: 'js-libp2p/2' }])].sort(),
    ['compare', 'recovery'],
  );
  assert.deepEqual([...classifyEvidence([{ kind: 'identify', protocols: CURRENT }])], []);
  // Comparison and the current recovery came in one release: a device that compares codes lacks neither.
  assert.deepEqual(
    [...classifyEvidence([{ kind: 'identify', protocols: [...CURRENT, PROTOCOLS.recovery] }])],
    [],
  );
  assert.deepEqual(
    [...classifyEvidence([{ kind: 'unsupported-protocol', protocol: PROTOCOLS.verify }])],
    ['compare'],
  );
  assert.deepEqual(
    [...classifyEvidence([{ kind: 'unsupported-protocol', protocol: PROTOCOLS.recovery }])],
    ['recovery'],
  );
  // A protocol that is not one whose absence means an older Tessera says nothing.
  assert.deepEqual([...classifyEvidence([{ kind: 'unsupported-protocol', protocol: '/other/1.0.0' }])], []);
  // A peer listing no Tessera pairing (identify unfinished, another program) is not judged.
  assert.deepEqual([...classifyEvidence([{ kind: 'identify', protocols: ['/ipfs/id/1.0.0'] }])], []);
  // The friend updated: the newer identify replaces what was seen before.
  assert.deepEqual(
    [
      ...classifyEvidence([
        { kind: 'identify', protocols: PREVIOUS },
        { kind: 'unsupported-protocol', protocol: PROTOCOLS.verify },
        { kind: 'identify', protocols: CURRENT },
      ]),
    ],
    [],
  );
  // A claim in the agent string alone proves nothing either way.
  assert.deepEqual(
    [...classifyEvidence([{ kind: 'identify', protocols: CURRENT, agentVersion: 'tessera/0.0.1' }])],
    [],
  );
});

test('the refusal an older custodian sends for a newer format is recognised, narrowly', () => {
  const old = new UnsupportedFormatError('This backup', 2).message;
  assert.equal(
    old,
    'This backup uses format version 2, which this version of Tessera does not support. Update Tessera and try again.',
  );
  assert.equal(isOlderReleaseRefusal(old), true);
  // As the owner stores it, with the custodian's name in front (RefusedError's heading).
  const stored = new RefusedError(old, { by: 'Ben' }).message;
  assert.equal(isOlderReleaseRefusal(stored), true);
  assert.equal(isOlderReleaseRefusal('', OLDER_RELEASE_REFUSAL), true, 'or its code, whatever the text');
  for (const other of [
    'Ben refused: not enough room to keep your backup',
    `${old} And something else.`,
    'uses format version 2, which this version of Tessera does not support.',
  ])
    assert.equal(isOlderReleaseRefusal(other), false, other);
  assert.equal(isOlderCustodianError(olderCustodianError('Ben')), true);
  assert.equal(isOlderCustodianError(stored), true);
  assert.equal(isOlderCustodianError('Ben is not reachable'), false);
  assert.equal(isOlderCustodianError(null), false);
});

test('the sentence names the friend and what waits; nothing waits, no field', () => {
  assert.deepEqual(needsUpdate('Otto', ['comparing-codes', 'comparing-codes']), {
    message: 'Otto needs to update Tessera. Waiting for it: comparing codes.',
    waiting: ['comparing-codes'],
  });
  assert.equal(
    needsUpdate('Ben', ['backup-update', 'recovery'])?.message,
    'Ben needs to update Tessera. Waiting for it: your backup’s latest version, helping with a recovery.',
  );
  assert.equal(needsUpdate('Ben', []), undefined);
  assert.match(olderCustodianError('Ben'), /^Ben needs to update Tessera: /);
  assert.doesNotMatch(olderCustodianError('Ben'), /Update Tessera and try again/);
});

test('backup status: a custodian who needs to update is not counted, and says who must update', () => {
  const rows = [
    custodian('ann', { state: 'accepted', versionHeld: 4 }),
    custodian('bob', { state: 'accepted', versionHeld: 3, lastError: olderCustodianError('Bob') }),
  ];
  const status = backupStatusView({
    now: NOW,
    split: { threshold: 2, createdAt: NOW - 5_000 },
    rows,
    version: 4,
    versionCreatedAt: NOW - 1_000,
    versionReason: 'items changed',
    bytesSent: 0,
    problem: null,
    names: new Map([
      ['ann', 'Ann'],
      ['bob', 'Bob'],
    ]),
    friends: new Set(['ann', 'bob']),
    sending: new Map(),
  });
  const [ann, bob] = status.custodians;
  assert.equal(ann && 'needsUpdate' in ann, false);
  assert.deepEqual(bob?.needsUpdate, {
    message: 'Bob needs to update Tessera. Waiting for it: your backup’s latest version.',
    waiting: ['backup-update'],
  });
  const summary = summarizeBackup(status);
  const bobView = summary.current.find((v) => v.custodian.peerId === 'bob');
  assert.deepEqual(
    [bobView?.counted, bobView?.label, bobView?.tone],
    [false, 'Bob needs to update Tessera', 'trouble'],
  );
  assert.equal(summary.restorable, false);

  // A custodian whose device lacks the current recovery: asked to update before they could help, so not counted.
  const recovering = backupStatusView({
    now: NOW,
    split: { threshold: 1, createdAt: NOW - 5_000 },
    rows: [custodian('ann', { state: 'accepted', versionHeld: 4 })],
    version: 4,
    versionCreatedAt: NOW - 1_000,
    versionReason: null,
    bytesSent: 0,
    problem: null,
    names: new Map([['ann', 'Ann']]),
    friends: new Set(['ann']),
    sending: new Map(),
    cannotRecover: new Set(['ann']),
  });
  assert.deepEqual(recovering.custodians[0]?.needsUpdate?.waiting, ['recovery']);
  assert.equal(summarizeBackup(recovering).kept, 0);
  assert.deepEqual(
    summary.trouble.map((v) => v.custodian.name),
    ['Bob'],
  );
});

test('refused: the code is optional on the wire, and absent unless set (older decoders take exact keys)', () => {
  const plain = encodeBackupMessage({ t: 'refused', reason: 'no room' });
  assert.deepEqual(Object.keys(decodeCanonical(plain, 1024, 'test') as object).sort(), ['reason', 't', 'v']);
  assert.deepEqual(decodeBackupMessage(plain), { t: 'refused', reason: 'no room' });
  const coded = encodeBackupMessage({ t: 'refused', reason: 'too new', code: OLDER_RELEASE_REFUSAL });
  assert.deepEqual(decodeBackupMessage(coded), { t: 'refused', reason: 'too new', code: 'needs-update' });
  assert.throws(() =>
    decodeBackupMessage(encodeBackupMessage({ t: 'refused', reason: 'x', code: 'y'.repeat(33) })),
  );
});
