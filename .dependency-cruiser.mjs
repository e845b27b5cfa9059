/**
 * Which way imports may point (docs/ARCHITECTURE.md, "Layers"): shared ← core ← adapters, the renderer only through
 * the contract, and inside the core store ← vault ← mesh ← backup ← recovery ← the composition root. Run by
 * `npm run deps` and by `npm test`.
 */
const ADAPTERS = '^electron/(cli|host|main|preload)/';
const ROOT =
  '^electron/core/(services|core|dispatcher|settings-handlers|friend-removal|device-settings)\\.ts$';

/** Inside the core: each folder may import those below it, never those above. */
const coreLayer = (name, above) => ({
  name: `core-${name}-points-down`,
  comment: `electron/core/${name} sits below ${above.join(', ')} and the composition root; it must not import them.`,
  severity: 'error',
  from: { path: `^electron/core/${name}/` },
  to: { path: [`^electron/core/(${above.join('|')})/`, ROOT] },
});

export default {
  forbidden: [
    {
      name: 'shared-is-pure',
      comment:
        'shared/ runs everywhere (renderer, main, CLI): no Node built-ins, no Electron, nothing outside shared/.',
      severity: 'error',
      from: { path: '^shared/' },
      to: {
        pathNot: ['^shared/', '(^|/)node_modules/'],
        // Packages whose `exports` the cruiser cannot follow (ESM-only, e.g. @multiformats/multiaddr) stay
        // unresolved by name; they are packages, not files outside shared/ (tsc resolves every import).
        couldNotResolve: false,
      },
    },
    {
      name: 'pure-without-node',
      comment: 'shared/ and renderer/ run in the browser too: no Node built-ins.',
      severity: 'error',
      from: { path: '^(shared|renderer)/' },
      to: { dependencyTypes: ['core'] },
    },
    {
      name: 'pure-without-main-process-packages',
      comment: 'Electron, SQLite and libp2p live in the main process; shared/ and renderer/ never load them.',
      severity: 'error',
      from: { path: '^(shared|renderer)/' },
      // Resolved into node_modules, or left unresolved by name (ESM-only packages such as libp2p's).
      to: {
        path: [
          '(^|/)node_modules/(electron|better-sqlite3|libp2p|@libp2p|@chainsafe)/',
          '^(electron|better-sqlite3|libp2p|@libp2p|@chainsafe)(/|$)',
        ],
      },
    },
    {
      name: 'core-below-adapters',
      comment: 'The core (electron/core) runs under plain Node; adapters call it, never the other way.',
      severity: 'error',
      from: { path: '^electron/core/' },
      to: { path: [ADAPTERS, '^renderer/', '^tests/', '^bench/'] },
    },
    {
      name: 'plain-node-without-electron',
      comment:
        'The core, the headless host and the CLI run under plain Node: only the shell (electron/main, preload) imports electron.',
      severity: 'error',
      from: { path: '^electron/(core|host|cli)/' },
      to: { path: '(^|/)node_modules/electron/' },
    },
    coreLayer('store', ['vault', 'mesh', 'backup', 'recovery', 'import']),
    coreLayer('vault', ['mesh', 'backup', 'recovery', 'import']),
    coreLayer('mesh', ['backup', 'recovery', 'import']),
    coreLayer('backup', ['recovery', 'import']),
    coreLayer('recovery', ['import']),
    {
      name: 'renderer-through-the-contract',
      comment:
        'The renderer reaches the core only through the contract (window.tessera): renderer/ and shared/ only.',
      severity: 'error',
      from: { path: '^renderer/' },
      to: { pathNot: ['^renderer/', '^shared/', '(^|/)node_modules/'] },
    },
    {
      name: 'adapters-do-not-reach-into-each-other',
      comment:
        'The preload is bundled alone into the sandbox: it imports shared/ and the IPC channel names it shares with main.',
      severity: 'error',
      from: { path: '^electron/preload/' },
      to: { path: ['^electron/(cli|host|main|core)/'], pathNot: '^electron/main/ipc-channels\\.ts$' },
    },
    {
      name: 'no-circular-in-core',
      comment: 'A cycle inside the core means two modules that cannot be understood or tested apart.',
      severity: 'error',
      from: { path: '^electron/core/' },
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: '(^|/)node_modules/' },
    tsConfig: { fileName: 'tsconfig.node.json' },
    tsPreCompilationDeps: true,
    enhancedResolveOptions: { extensions: ['.ts', '.tsx', '.js', '.mjs'] },
  },
};
