/**
 * `npm test`: every check a change must pass, in order, with one summary at the end.
 * Typecheck and lint count as one test each; the runners' own counts are added up.
 * Set TESSERA_FULL=1 for the long variants (more property-test cases, more crash kills).
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');

interface Stage {
  name: string;
  command: string[];
  kind: 'check' | 'node-test' | 'playwright';
  /** Skip the stage (with the reason printed) when this returns a string. */
  skipIf?: () => string | null;
}

const npmRun = (script: string) => ['npm', 'run', '--silent', script];
const nodeTest = (...globs: string[]) => [process.execPath, '--test', '--test-concurrency=1', ...globs];
const playwright = (config: string) => [
  process.execPath,
  'node_modules/@playwright/test/cli.js',
  'test',
  '-c',
  config,
];

const stages: Stage[] = [
  { name: 'typecheck', command: npmRun('typecheck'), kind: 'check' },
  { name: 'lint', command: npmRun('lint'), kind: 'check' },
  { name: 'dependency rules', command: npmRun('deps'), kind: 'check' },
  { name: 'build', command: npmRun('build'), kind: 'check' },
  { name: 'unit', command: nodeTest('tests/unit/**/*.test.ts'), kind: 'node-test' },
  { name: 'integration', command: nodeTest('tests/integration/**/*.test.ts'), kind: 'node-test' },
  {
    name: 'adversarial',
    command: nodeTest('tests/adversarial/**/*.test.ts'),
    kind: 'node-test',
    skipIf: () => (existsSync(join(root, 'tests', 'adversarial')) ? null : 'no adversarial suite yet'),
  },
  { name: 'e2e (headless host)', command: playwright('tests/e2e/playwright.config.ts'), kind: 'playwright' },
  {
    name: 'e2e (UI flows)',
    command: playwright('tests/e2e-ui/playwright.config.ts'),
    kind: 'playwright',
    skipIf: () =>
      existsSync(join(root, 'tests', 'e2e-ui', 'playwright.config.ts')) ? null : 'no UI suite yet',
  },
  {
    name: 'electron',
    command: playwright('tests/electron/playwright.config.ts'),
    kind: 'playwright',
    skipIf: () =>
      existsSync(join(root, 'tests', 'electron', 'playwright.config.ts')) ? null : 'no Electron suite yet',
  },
];

interface Counts {
  passed: number;
  failed: number;
  skipped: number;
}

function countNodeTest(output: string): Counts {
  const num = (label: string) => Number(new RegExp(`^ℹ ${label} (\\d+)$`, 'm').exec(output)?.[1] ?? 0);
  return {
    passed: num('pass'),
    failed: num('fail') + num('cancelled'),
    skipped: num('skipped') + num('todo'),
  };
}

function countPlaywright(output: string): Counts {
  const num = (label: string) => Number(new RegExp(`^\\s*(\\d+) ${label}\\b`, 'm').exec(output)?.[1] ?? 0);
  return {
    passed: num('passed'),
    failed: num('failed') + num('flaky'),
    skipped: num('skipped') + num('did not run'),
  };
}

function run(stage: Stage): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    const [cmd, ...args] = stage.command as [string, ...string[]];
    // The build stage has just built out/: the Playwright suites reuse it instead of building again.
    const env = { ...process.env, TESSERA_SKIP_BUILD: '1' };
    const child = spawn(cmd, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], env });
    let output = '';
    const tee = (stream: NodeJS.WriteStream) => (chunk: Buffer) => {
      output += chunk.toString('utf8');
      stream.write(chunk);
    };
    child.stdout.on('data', tee(process.stdout));
    child.stderr.on('data', tee(process.stderr));
    child.on('exit', (code, signal) => resolve({ code: code ?? (signal ? 1 : 0), output }));
  });
}

const total: Counts = { passed: 0, failed: 0, skipped: 0 };
const rows: string[] = [];
const started = Date.now();
for (const stage of stages) {
  const skip = stage.skipIf?.();
  if (skip) {
    rows.push(`  ${stage.name.padEnd(22)} skipped: ${skip}`);
    continue;
  }
  process.stdout.write(`\n=== ${stage.name} ===\n`);
  const t0 = Date.now();
  const { code, output } = await run(stage);
  const seconds = ((Date.now() - t0) / 1000).toFixed(1);
  let counts: Counts;
  if (stage.kind === 'check')
    counts = code === 0 ? { passed: 1, failed: 0, skipped: 0 } : { passed: 0, failed: 1, skipped: 0 };
  else counts = stage.kind === 'node-test' ? countNodeTest(output) : countPlaywright(output);
  if (code !== 0 && counts.failed === 0) counts.failed = 1; // a runner that crashed still fails the run
  total.passed += counts.passed;
  total.failed += counts.failed;
  total.skipped += counts.skipped;
  rows.push(
    `  ${stage.name.padEnd(22)} ${code === 0 ? 'ok  ' : 'FAIL'} ${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped (${seconds} s)`,
  );
}

process.stdout.write(
  `\n=== summary (${((Date.now() - started) / 1000).toFixed(0)} s) ===\n${rows.join('\n')}\n`,
);
process.stdout.write(`tests: ${total.passed} passed, ${total.failed} failed, ${total.skipped} skipped\n`);
process.exitCode = total.failed === 0 ? 0 : 1;
