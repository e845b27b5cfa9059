/** Test helpers for the store and vault tests: temp data dirs with real SQLite files and the fast (floor) KDF. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { TesseraCore } from '../../../electron/core/core.ts';
import { EventBus } from '../../../electron/core/event-bus.ts';
import { Store, databasePath } from '../../../electron/core/store/store.ts';
import { VaultService } from '../../../electron/core/vault/vault-service.ts';
import type { Topic } from '../../../shared/api/events.ts';
import type { Envelope } from '../../../shared/api/contract.ts';

/** scrypt at the floor N=2^14 instead of 2^17: explicit opt-in, as the app requires. */
export const FAST_ENV: NodeJS.ProcessEnv = { TESSERA_INSECURE_FAST_KDF: '1' };

export function tempDir(t: TestContext, prefix = 'tessera-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export interface OpenedVault {
  dir: string;
  store: Store;
  vault: VaultService;
  topics: Topic[];
}

/** A VaultService on a real tessera.db in `dir` (closed after the test). */
export function openVault(t: TestContext, dir = tempDir(t)): OpenedVault {
  const store = Store.open(databasePath(dir));
  const events = new EventBus();
  const topics: Topic[] = [];
  events.subscribe((e) => {
    if (e.type === 'changed') topics.push(...e.topics);
  });
  const vault = new VaultService(store, events, { env: FAST_ENV });
  t.after(() => {
    vault.close();
    store.close();
  });
  return { dir, store, vault, topics };
}

/** A TesseraCore on `dir`; the process env must already hold FAST_ENV (see `useFastKdf`). */
export async function openCore(t: TestContext, dir = tempDir(t)): Promise<TesseraCore> {
  const core = await TesseraCore.open({ dataDir: dir });
  t.after(() => core.close());
  return core;
}

/** For tests that go through TesseraCore, which reads process.env. */
export function useFastKdf(): void {
  process.env.TESSERA_INSECURE_FAST_KDF = '1';
}

export function expectOk<T = unknown>(envelope: Envelope<unknown>): T {
  if (!envelope.ok) throw new Error(`expected ok, got ${envelope.error.code}: ${envelope.error.message}`);
  return envelope.value as T;
}

export function expectError(envelope: Envelope<unknown>, code: string): string {
  if (envelope.ok) throw new Error(`expected ${code}, got ok: ${JSON.stringify(envelope.value)}`);
  if (envelope.error.code !== code)
    throw new Error(`expected ${code}, got ${envelope.error.code}: ${envelope.error.message}`);
  return envelope.error.message;
}

export const PASSPHRASE = 'correct horse battery';
