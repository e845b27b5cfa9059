/**
 * Recovery, both roles, wired to the rest of the core: the new device's session (`recovery.start`/`status`) and the
 * custodian's approvals (`recovery.approve`/`confirm`/`decline`/`approvals`, also listed by `requests.list` as kind
 * `recovery`). After a restore it re-shares under a new key.
 */
import type { Handlers } from '../../../shared/api/handlers.ts';
import type { Clock, CoreConfig } from '../config.ts';
import type { EventBus } from '../event-bus.ts';
import type { Store } from '../store/store.ts';
import type { VaultService } from '../vault/vault-service.ts';
import { CustodianStore } from '../backup/custodian-store.ts';
import { OwnerStore } from '../backup/owner-store.ts';
import type { BackupServices } from '../backup/backup-services.ts';
import type { MeshService } from '../mesh/mesh-service.ts';
import { applySnapshot } from './apply-snapshot.ts';
import { RecoveryApprovals } from './custodian-approvals.ts';
import { reshareAfterRecovery } from './reshare.ts';
import { RecoverySessionService } from './session-service.ts';
import type { Recovered } from './session-service.ts';
import { RecoverySessionStore } from './session-store.ts';
import { RemoteApprovals } from './remote-approvals.ts';
import { RemoteApprovalStore } from './remote-approval-store.ts';
import { RecoveryWatch } from './recovery-watch.ts';
import { WatchStore } from './watch-store.ts';
import { RecoveryPaperStore } from './session-paper.ts';

export type RecoveryHandlers = Pick<
  Handlers,
  | 'recovery.start'
  | 'recovery.status'
  | 'recovery.cancel'
  | 'recovery.judge'
  | 'recovery.addPaper'
  | 'recovery.judgePaper'
  | 'recovery.finish'
  | 'recovery.approve'
  | 'recovery.confirm'
  | 'recovery.decline'
  | 'recovery.approvals'
  | 'recovery.reply'
  | 'recovery.watch'
  | 'recovery.stopRemote'
  | 'requests.list'
  | 'requests.accept'
  | 'requests.decline'
>;

export interface RecoveryDeps {
  store: Store;
  vault: VaultService;
  mesh: MeshService;
  backup: BackupServices;
  events: EventBus;
  listen: string[] | null;
  /** The tunables recovery reads: mDNS for the session's node, and how long a custodian's approval waits. */
  config: Pick<CoreConfig, 'mdns' | 'recoveryApprovalMs' | 'meshRetryMs' | 'minRemoteWaitMs'>;
  clock: Clock;
  log?: (message: string) => void;
}

export class RecoveryServices {
  readonly session: RecoverySessionService;
  readonly approvals: RecoveryApprovals;
  readonly remote: RemoteApprovals;
  readonly watch: RecoveryWatch;
  private readonly deps: RecoveryDeps;
  private readonly unsubscribe: (() => void)[] = [];
  private remoteStarted: Promise<void> | null = null;
  private readonly log: (message: string) => void;

  constructor(deps: RecoveryDeps) {
    this.deps = deps;
    this.log = deps.log ?? ((m) => console.error(`[tessera] ${m}`));
    const held = new CustodianStore(deps.store);
    const sessionStore = new RecoverySessionStore(deps.store);
    this.session = new RecoverySessionService({
      store: sessionStore,
      vault: deps.vault,
      events: deps.events,
      listen: deps.listen,
      mdns: deps.config.mdns,
      retryMs: deps.config.meshRetryMs,
      paper: new RecoveryPaperStore(deps.store),
      restore: async (r) => {
        await applySnapshot(
          {
            vault: deps.vault,
            friends: deps.mesh.friends,
            held,
            session: sessionStore,
            owner: new OwnerStore(deps.store),
            now: () => deps.clock.now(),
            log: this.log,
          },
          r.snapshot,
          r.passphrase,
          r.name ?? undefined,
          r.confirmed,
          r.replacing,
        );
        deps.mesh.refreshGate();
        void this.reshare(r);
      },
      now: () => deps.clock.now(),
      log: this.log,
    });
    const now = () => deps.clock.now();
    const mesh = deps.mesh;
    this.watch = new RecoveryWatch({
      // MeshService is each role's narrow interface (WatchMesh, RemoteMesh, CustodianMesh) as it stands.
      mesh,
      vault: deps.vault,
      held,
      owner: new OwnerStore(deps.store),
      store: new WatchStore(deps.store),
      events: deps.events,
      onCancel: (owner, session) => this.remote.stopFor(owner, session),
      now,
      log: this.log,
    });
    this.remote = new RemoteApprovals({
      vault: deps.vault,
      mesh,
      held,
      events: deps.events,
      store: new RemoteApprovalStore(deps.store),
      watch: this.watch,
      minWaitMs: deps.config.minRemoteWaitMs,
      now,
      log: this.log,
    });
    this.approvals = new RecoveryApprovals({
      vault: deps.vault,
      mesh,
      held,
      events: deps.events,
      windowMs: deps.config.recoveryApprovalMs,
      remote: this.remote,
      now,
      log: this.log,
    });
    this.watch.start();
    // Remote approvals wait for days: once the mesh runs (the first unlock), their windows open again.
    const startRemote = (): void => {
      if (deps.vault.state() !== 'unlocked' || this.remoteStarted) return;
      this.remoteStarted = mesh
        .ready()
        .then(() => this.remote.start())
        .catch((err: unknown) => {
          this.remoteStarted = null;
          this.log(`recovery: remote approvals could not resume: ${String(err)}`);
        });
    };
    this.unsubscribe.push(deps.vault.onStateChange(startRemote));
    startRemote();
  }

  /** Resumes a session that survived a restart (the node listens again; the passphrase opens the pieces later). */
  async resume(): Promise<void> {
    try {
      await this.session.resume();
    } catch (err) {
      this.log(`recovery: could not resume the session: ${String(err)}`);
    }
  }

  private async reshare(r: Recovered): Promise<void> {
    const { mesh, backup, events } = this.deps;
    try {
      const result = await reshareAfterRecovery(
        {
          friends: mesh.friends,
          ready: () => mesh.ready(),
          create: (input) => backup.owner.create(input),
        },
        r.delivered,
        r.threshold,
        r.snapshot.custodians,
      );
      if ('error' in result) {
        events.emit({ type: 'notice', title: 'Recovered — make a new backup', body: result.error });
        return;
      }
      this.log(
        `recovery: re-sharing under a new key to ${result.custodians.length} friends (any ${result.threshold})`,
      );
      events.emit({
        type: 'notice',
        title: 'Vault recovered',
        body: `Your vault is back. A new backup key goes to the same ${result.custodians.length} friends; their old pieces are replaced.`,
      });
    } catch (err) {
      this.log(`recovery: re-share failed: ${String(err)}`);
      events.emit({
        type: 'notice',
        title: 'Recovered — re-share failed',
        body: `Create a new backup: ${String(err)}`,
      });
    }
  }

  /** True while this data dir is recovering (app state `recovering`). */
  active(): boolean {
    return this.session.active();
  }

  pendingCount(): number {
    return this.deps.vault.state() === 'unlocked' ? this.approvals.pendingRequests().length : 0;
  }

  handlers(
    backupHandlers: Pick<Handlers, 'requests.list' | 'requests.accept' | 'requests.decline'>,
  ): RecoveryHandlers {
    const isRecovery = (id: string) => id.startsWith('recovery:');
    return {
      'recovery.start': (input) => this.session.start(input),
      'recovery.status': () => this.session.status(),
      'recovery.cancel': async () => {
        await this.session.cancel();
        return this.session.status();
      },
      'recovery.judge': (input) => this.session.judge(input),
      'recovery.addPaper': ({ words }) => this.session.addPaper(words),
      'recovery.judgePaper': (input) => this.session.judgePaper(input),
      'recovery.finish': () => this.session.finish(),
      'recovery.approve': (input) => this.approvals.approve(input),
      'recovery.confirm': ({ id }) => this.approvals.confirm(id),
      'recovery.decline': ({ id }) => this.approvals.decline(id),
      'recovery.approvals': () => {
        return this.approvals.list();
      },
      'recovery.reply': (input) => this.session.reply(input),
      'recovery.watch': () => this.watch.list(),
      'recovery.stopRemote': (input) => this.watch.stop(input.sessionPeerId),
      'requests.list': async (input) => [
        ...(await backupHandlers['requests.list'](input)),
        ...this.approvals.pendingRequests(),
      ],
      'requests.accept': async (input) => {
        if (!isRecovery(input.id)) return backupHandlers['requests.accept'](input);
        await this.approvals.confirm(input.id);
        return {};
      },
      'requests.decline': async (input) => {
        if (!isRecovery(input.id)) return backupHandlers['requests.decline'](input);
        await this.approvals.decline(input.id);
        return {};
      },
    };
  }

  async close(): Promise<void> {
    // A re-share still running is abandoned; the next `backup.create` or health check picks up from the store.
    for (const u of this.unsubscribe) u();
    this.watch.close();
    this.remote.close();
    this.approvals.close();
    await this.approvals.settled();
    await this.remote.settled();
    await this.session.close();
  }
}
