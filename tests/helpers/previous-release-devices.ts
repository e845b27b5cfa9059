/**
 * Devices on the previous release (PROTOCOL, "Compatibility between releases"): its `tessera serve`, driven through
 * its own CLI with `--json`, as its person would. Shared by the compatibility test
 * (tests/integration/compat-previous-release.test.ts) and the UI suite's needs-update spec, which both start people
 * on the previous release, pair them, make a backup there and then update some of them (the same data dir and port
 * under the current release).
 */
import assert from 'node:assert/strict';
import { z } from 'zod';
import { runCliOf } from './previous-release.ts';
import type { PreviousRelease } from './previous-release.ts';
import { startServe, tempDataDir } from './serve-process.ts';
import type { CliResult, ServeProcess } from './serve-process.ts';
import { FAST_MESH_ENV } from './cluster.ts';
import { waitFor } from './wait-for.ts';

// What the previous release's CLI prints with --json (its shared/api/cli-output.ts), as far as the tests read it.
export const OldStatus = z.looseObject({
  name: z.string().nullable(),
  peerId: z.string().nullable(),
  addresses: z.array(z.string()),
});
export const OldFriends = z.array(
  z.looseObject({ name: z.string(), peerId: z.string(), comparisonCode: z.string() }),
);
export const OldInvite = z.looseObject({ code: z.string() });
export const OldPair = z.looseObject({ state: z.string(), name: z.string() });
export const OldBackupStatus = z.looseObject({
  version: z.number(),
  threshold: z.number(),
  custodians: z.array(
    z.looseObject({
      name: z.string(),
      state: z.string(),
      versionHeld: z.number().nullable(),
      lastConfirmed: z.string().nullable(),
    }),
  ),
  problem: z.string().nullable(),
});
export type OldBackupStatus = z.output<typeof OldBackupStatus>;
export const OldRequests = z.array(
  z.looseObject({ id: z.string(), kind: z.string(), from: z.string(), detail: z.string() }),
);
export const OldHeld = z.array(z.looseObject({ owner: z.string(), version: z.number() }));

/** A person whose device runs the previous release: its `serve`, driven through its own CLI. */
export interface OldPeer {
  name: string;
  peerId: string;
  dataDir: string;
  serve: ServeProcess;
  /** Where its mesh listens; the same person updated listens there again, so friends find them. */
  listen: string;
}

/** One side of a pairing, whichever release it runs. */
export interface Side {
  name: string;
  peerId: string;
  invite(): Promise<string>;
  accept(code: string): Promise<void>;
  friendIds(): Promise<string[]>;
}

/** The custodian `name` holds the status's version (what the previous release shows as delivered). */
export function deliveredTo(
  s: OldBackupStatus,
  name: string,
): OldBackupStatus['custodians'][number] | undefined {
  return s.custodians.find((c) => c.name === name && c.state === 'delivered' && c.versionHeld === s.version);
}

export interface PreviousReleaseDevices {
  /** `tessera --data DIR --json …` of the previous release. */
  cli(dataDir: string, args: string[], input?: string): Promise<CliResult>;
  /** The same, expected to succeed, its output parsed by `schema`. */
  json<S extends z.ZodType>(dataDir: string, schema: S, args: string[], input?: string): Promise<z.output<S>>;
  /** Starts its `serve` (a new vault named `name` unless `existing` holds one) and waits for its mesh. */
  start(name: string, existing?: { dataDir: string; listen: string }): Promise<OldPeer>;
  side(p: OldPeer): Side;
  /**
   * `owner` makes a backup with `custodians` (who must be its friends), each accepts the request, and this
   * resolves once every one holds the version made, as the owner's previous release shows it.
   */
  backupDelivered(
    owner: OldPeer,
    custodians: readonly OldPeer[],
    threshold: number,
  ): Promise<OldBackupStatus>;
}

/**
 * The previous release's devices. `started` is told of every `serve` started, so the caller stops it whatever
 * happens (a test's `after`, a `finally`).
 */
export function previousReleaseDevices(
  release: PreviousRelease,
  started: (serve: ServeProcess) => void,
): PreviousReleaseDevices {
  const cli = (dataDir: string, args: string[], input?: string): Promise<CliResult> =>
    runCliOf(release.cli, ['--data', dataDir, '--json', ...args], {
      env: FAST_MESH_ENV,
      ...(input !== undefined ? { input } : {}),
    });

  async function json<S extends z.ZodType>(
    dataDir: string,
    schema: S,
    args: string[],
    input?: string,
  ): Promise<z.output<S>> {
    const r = await cli(dataDir, args, input);
    assert.equal(r.code, 0, `previous release: tessera ${args.join(' ')} failed:\n${r.stdout}\n${r.stderr}`);
    return schema.parse(JSON.parse(r.stdout));
  }

  async function start(name: string, existing?: { dataDir: string; listen: string }): Promise<OldPeer> {
    const dataDir = existing?.dataDir ?? tempDataDir('tessera-previous');
    if (!existing) await json(dataDir, OldStatus, ['init', '--name', name]);
    const serve = await startServe({
      dataDir,
      entry: release.cli,
      env: FAST_MESH_ENV,
      ...(existing ? { listen: existing.listen } : {}),
    });
    started(serve);
    const status = await waitFor(`${name}'s mesh (previous release) to listen`, async () => {
      const s = await json(dataDir, OldStatus, ['status']);
      return s.addresses.length > 0 ? s : null;
    });
    return { name, peerId: status.peerId ?? '', dataDir, serve, listen: status.addresses[0]! };
  }

  const side = (p: OldPeer): Side => ({
    name: p.name,
    peerId: p.peerId,
    invite: async () => (await json(p.dataDir, OldInvite, ['invite'])).code,
    accept: async (code) => void (await json(p.dataDir, OldPair, ['pair', code])),
    friendIds: async () => (await json(p.dataDir, OldFriends, ['friends'])).map((f) => f.peerId),
  });

  async function backupDelivered(
    owner: OldPeer,
    custodians: readonly OldPeer[],
    threshold: number,
  ): Promise<OldBackupStatus> {
    const created = await json(owner.dataDir, OldBackupStatus, [
      'backup',
      'create',
      '--custodians',
      custodians.map((c) => c.name).join(','),
      '--threshold',
      String(threshold),
    ]);
    for (const c of custodians) {
      const id = `holding:${owner.peerId}`;
      await waitFor(`${c.name} to see the request`, async () =>
        (await json(c.dataDir, OldRequests, ['requests'])).some((r) => r.id === id),
      );
      await json(c.dataDir, z.unknown(), ['accept', id]);
    }
    const names = custodians.map((c) => c.name).join(' and ');
    await waitFor(`the backup delivered to ${names} (all on the previous release)`, async () => {
      const s = await json(owner.dataDir, OldBackupStatus, ['backup', 'status']);
      return custodians.every((c) => deliveredTo(s, c.name));
    });
    return created;
  }

  return { cli, json, start, side, backupDelivered };
}

/**
 * `inviter` shows an invite and `other` accepts it; then `other` shows theirs and `inviter` accepts it last, so
 * the inviter holds both invites and dials (PROTOCOL §8.4). Resolves once each lists the other as a friend, with
 * how long the inviter's last accept took to answer.
 */
export async function pairInOrder(inviter: Side, other: Side): Promise<number> {
  await other.accept(await inviter.invite());
  const code = await other.invite();
  const asked = Date.now();
  await inviter.accept(code);
  // How long the person who accepted last waited for an answer: the current release waits for the code comparison
  // a friend starts after pairing (PROTOCOL §8.5), unless identify says the friend's Tessera cannot compare codes.
  const answeredMs = Date.now() - asked;
  console.log(`# ${inviter.name} accepted ${other.name}'s invite last: answered in ${answeredMs} ms`);
  await waitFor(`${inviter.name} and ${other.name} to be friends`, async () => {
    const [a, b] = await Promise.all([inviter.friendIds(), other.friendIds()]);
    return a.includes(other.peerId) && b.includes(inviter.peerId);
  });
  return answeredMs;
}
