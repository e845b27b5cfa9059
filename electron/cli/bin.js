#!/usr/bin/env node
// Entry point of the `tessera` command. Node ≥ 24 runs the TypeScript sources directly (type stripping).
const [major] = process.versions.node.split('.').map(Number);
if (major < 24) {
  process.stderr.write(
    `tessera needs Node.js 24 or newer (this is ${process.version}). Run it with \`npx tessera\` from the project, which uses the bundled Node 24.\n`,
  );
  process.exit(1);
}
await import('./entry.ts');
