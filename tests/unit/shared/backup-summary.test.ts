import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CustodianStatus } from '../../../shared/api/ops/backup.ts';
import type { BackupStatus } from '../../../shared/api/ops/backup.ts';
import { currentCustodians, isCurrentCustodian, summarizeBackup } from '../../../shared/backup-summary.ts';
import { toCliBackupStatus } from '../../../electron/cli/commands/mesh-commands.ts';

const STATES = CustodianStatus.shape.state.options;

function custodian(state: CustodianStatus['state'], i: number): CustodianStatus {
  return {
    peerId: `peer-${i}`,
    name: `Friend ${i}`,
    friend: true,
    state,
    versionHeld: state === 'delivered' ? 1 : null,
    lastConfirmed: null,
    health: null,
    lastError: null,
    sending: null,
  };
}

function backup(custodians: CustodianStatus[]): BackupStatus {
  return {
    configured: true,
    version: 1,
    threshold: 2,
    createdAt: 0,
    versionCreatedAt: 0,
    versionReason: null,
    custodians,
    bytesSent: 0,
    problem: null,
  };
}

test('the current custodians are those not asked to delete their piece, whatever else their state', () => {
  const all = STATES.map(custodian);
  const current = currentCustodians(all);
  assert.deepEqual(
    current.map((c) => c.state),
    STATES.filter((s) => s !== 'removing' && s !== 'removed'),
  );
  assert.equal(isCurrentCustodian({ state: 'removing' }), false);
  assert.equal(isCurrentCustodian({ state: 'requested' }), true);
});

test('the Backup screen’s summary, the wizard and the CLI’s --json shape agree on who is current', () => {
  const status = backup(STATES.map(custodian));
  const summary = summarizeBackup(status);
  const fromStatus = currentCustodians(status.custodians).map((c) => c.name);
  assert.deepEqual(
    summary.current.map((v) => v.custodian.name),
    fromStatus,
  );
  assert.deepEqual(
    summary.former.map((v) => v.custodian.name),
    status.custodians.filter((c) => !fromStatus.includes(c.name)).map((c) => c.name),
  );
  // The CLI's shape keeps the state as text; the rule reads only the state, so it gives the same people.
  assert.deepEqual(
    currentCustodians(toCliBackupStatus(status).custodians).map((c) => c.name),
    fromStatus,
  );
});
