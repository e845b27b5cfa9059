/** What backup.status reports (electron/core/backup/status-view.ts), from rows alone; read by shared/backup-summary.ts. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { backupStatusView, custodianStatusView } from '../../../electron/core/backup/status-view.ts';
import type { StatusInput } from '../../../electron/core/backup/status-view.ts';
import { BackupStatus } from '../../../shared/api/ops/backup.ts';
import { summarizeBackup } from '../../../shared/backup-summary.ts';
import { NOW, OLD_SPLIT, custodian } from './rows.ts';

const known = {
  now: NOW,
  names: new Map([
    ['ann', 'Ann'],
    ['bob', 'Bob'],
    ['cat', 'Cat'],
    ['dan', 'Dan'],
  ]),
  friends: new Set(['ann', 'bob', 'cat']),
  sending: new Map(),
};

function status(patch: Partial<StatusInput>): ReturnType<typeof backupStatusView> {
  return backupStatusView({
    ...known,
    split: { threshold: 2, createdAt: NOW - 5_000 },
    rows: [],
    version: 4,
    versionCreatedAt: NOW - 1_000,
    versionReason: 'items changed',
    bytesSent: 1234,
    problem: null,
    ...patch,
  });
}

test('a custodian that confirmed the envelope is delivered; one that failed a data proof is not, until sent again', () => {
  assert.equal(custodianStatusView(custodian('ann'), known).state, 'delivered');
  const mismatch = custodianStatusView(custodian('ann', { health: 'mismatch' }), known);
  assert.deepEqual([mismatch.state, mismatch.health], ['accepted', 'mismatch']);
  const noEnvelope = custodianStatusView(custodian('ann', { envelopeDelivered: false }), known);
  assert.equal(noEnvelope.state, 'accepted');
});

test('a request not answered in time shows as expired; an open one as requested', () => {
  const open = custodian('ann', { state: 'requested', envelopeDelivered: false, requestExpires: NOW + 1 });
  assert.equal(custodianStatusView(open, known).state, 'requested');
  assert.equal(custodianStatusView({ ...open, requestExpires: NOW }, known).state, 'expired');
  assert.equal(
    custodianStatusView({ ...open, requestExpires: NOW }, { ...known, now: NOW - 1 }).state,
    'requested',
  );
});

test('names, friendship and sending progress come from what the owner knows, never a peer ID', () => {
  const progress = { sentChunks: 3, totalChunks: 10, sentBytes: 3_000 };
  const view = custodianStatusView(custodian('ann', { envelopeDelivered: false }), {
    ...known,
    sending: new Map([['ann', progress]]),
  });
  assert.deepEqual([view.name, view.friend, view.sending], ['Ann', true, progress]);
  const stranger = custodianStatusView(custodian('zed'), known);
  assert.deepEqual([stranger.name, stranger.friend, stranger.sending], ['A former friend', false, null]);
  const former = custodianStatusView(custodian('dan', { splitId: OLD_SPLIT, state: 'removed' }), known);
  assert.deepEqual([former.name, former.friend, former.state], ['Dan', false, 'removed']);
});

test('the status carries the version, its reason and problem, and the custodians in the order given', () => {
  const s = status({
    rows: [
      custodian('ann'),
      custodian('bob', { versionHeld: null, envelopeDelivered: false }),
      custodian('dan', { splitId: OLD_SPLIT, state: 'removing' }),
    ],
    problem: 'Your vault has grown past the limit.',
  });
  assert.deepEqual(BackupStatus.parse(s), s, 'the shape the contract promises');
  assert.deepEqual(
    [
      s.configured,
      s.version,
      s.threshold,
      s.createdAt,
      s.versionCreatedAt,
      s.versionReason,
      s.bytesSent,
      s.problem,
    ],
    [true, 4, 2, NOW - 5_000, NOW - 1_000, 'items changed', 1234, 'Your vault has grown past the limit.'],
  );
  assert.deepEqual(
    s.custodians.map((c) => [c.peerId, c.state]),
    [
      ['ann', 'delivered'],
      ['bob', 'accepted'],
      ['dan', 'removing'],
    ],
  );
  // The one rule of what counts (shared/backup-summary.ts) reads this status: one delivered piece of two needed.
  const summary = summarizeBackup(s);
  assert.deepEqual([summary.kept, summary.restorable, summary.former.length], [1, false, 1]);
});

test('no backup yet: not configured, threshold 0', () => {
  const s = status({ split: null, version: 0, versionCreatedAt: null, versionReason: null, bytesSent: 0 });
  assert.deepEqual([s.configured, s.threshold, s.createdAt, s.custodians], [false, 0, null, []]);
  assert.equal(summarizeBackup(s).headline, 'No backup yet.');
});
