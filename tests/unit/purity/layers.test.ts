import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = join(import.meta.dirname, '..', '..', '..');

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...sources(path));
    else if (/\.(ts|tsx)$/.test(name)) out.push(path);
  }
  return out;
}

const importRe =
  /(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|require\(\s*['"]([^'"]+)['"]\s*\)/g;

function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(importRe)].map((m) => m[1] ?? m[2] ?? m[3] ?? '');
}

const nodeBuiltin =
  /^(node:|fs$|fs\/|path$|os$|crypto$|child_process$|net$|http$|https$|stream$|util$|events$|url$|buffer$|worker_threads$|zlib$|dgram$|dns$|tls$|readline$)/;

test('shared/ imports no Node, Electron or main-process code', () => {
  const offenders: string[] = [];
  for (const file of sources(join(root, 'shared'))) {
    for (const spec of importsOf(file)) {
      if (
        nodeBuiltin.test(spec) ||
        spec === 'electron' ||
        spec.startsWith('electron/') ||
        spec.includes('/electron/')
      ) {
        offenders.push(`${relative(root, file)} imports ${spec}`);
      }
    }
    const text = readFileSync(file, 'utf8').replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '');
    if (/\b(document|window|localStorage|Buffer|process)\./.test(text))
      offenders.push(`${relative(root, file)} uses a DOM or Node global`);
  }
  assert.deepEqual(offenders, []);
});

test('core services, host and CLI never import electron', () => {
  const offenders: string[] = [];
  for (const dir of ['core', 'host', 'cli', 'mesh']) {
    let files: string[] = [];
    try {
      files = sources(join(root, 'electron', dir));
    } catch {
      continue;
    }
    for (const file of files) {
      for (const spec of importsOf(file)) {
        if (spec === 'electron' || spec.startsWith('electron/'))
          offenders.push(`${relative(root, file)} imports ${spec}`);
      }
    }
  }
  assert.deepEqual(offenders, []);
});

test('renderer/ reaches the app only through the contract', () => {
  const offenders: string[] = [];
  let files: string[] = [];
  try {
    files = sources(join(root, 'renderer'));
  } catch {
    files = [];
  }
  for (const file of files) {
    for (const spec of importsOf(file)) {
      if (nodeBuiltin.test(spec) || spec === 'electron' || spec.includes('/electron/'))
        offenders.push(`${relative(root, file)} imports ${spec}`);
    }
  }
  assert.deepEqual(offenders, []);
});
