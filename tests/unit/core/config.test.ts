/**
 * The core's tunables (electron/core/config.ts): read once, defaults when unset, and a bad value stops the start
 * with a sentence naming the variable instead of becoming NaN or silently the default.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, readConfig } from '../../../electron/core/config.ts';

test('unset variables give the documented defaults', () => {
  const c = readConfig({});
  assert.equal(c.meshLog, false);
  assert.equal(c.relay, null);
  assert.equal(c.mdns, true);
  assert.equal(c.upnp, true);
  assert.equal(c.meshRetryMs, 15_000);
  assert.equal(c.forwardAfterMs, 60 * 60_000);
  assert.equal(c.reconcileMs, 15_000);
  assert.equal(c.healthMs, 6 * 60 * 60_000);
  assert.equal(c.holdRequestTtlMs, 7 * 24 * 60 * 60_000);
  assert.equal(c.depositBudgetMib, 256);
  assert.equal(c.recoveryApprovalMs, 10 * 60_000);
});

test('set variables are parsed', () => {
  const c = readConfig({
    TESSERA_MESH_LOG: '1',
    TESSERA_RELAY: 'off',
    TESSERA_MDNS: '0',
    TESSERA_UPNP: 'false',
    TESSERA_MESH_RETRY_MS: '300',
    TESSERA_RECONCILE_MS: '200',
    TESSERA_DEPOSIT_BUDGET_MIB: '1',
  });
  assert.deepEqual(
    [c.meshLog, c.relay, c.mdns, c.upnp, c.meshRetryMs, c.reconcileMs, c.depositBudgetMib],
    [true, 'off', false, false, 300, 200, 1],
  );
  assert.equal(readConfig({ TESSERA_RELAY: 'on' }).relay, 'on');
  assert.equal(readConfig({ TESSERA_RELAY: '' }).relay, null);
});

test('a bad value names the variable and what it takes', () => {
  assert.throws(
    () => readConfig({ TESSERA_RECONCILE_MS: 'soon' }),
    (err: unknown) =>
      err instanceof ConfigError &&
      err.message.includes('TESSERA_RECONCILE_MS="soon"') &&
      err.message.includes('a whole number from 100'),
  );
  assert.throws(() => readConfig({ TESSERA_MESH_RETRY_MS: '5' }), /TESSERA_MESH_RETRY_MS="5"/);
  assert.throws(
    () => readConfig({ TESSERA_MDNS: 'maybe' }),
    /TESSERA_MDNS="maybe" cannot be used: it takes 0 or 1/,
  );
});
