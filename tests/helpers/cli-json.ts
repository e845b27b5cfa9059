import assert from 'node:assert/strict';
import type { z } from 'zod';
import { runCli } from './serve-process.ts';
import { TEST_PASSPHRASE } from './cluster.ts';

/** The environment the CLI tests run commands in: the test passphrase, so commands can unlock. */
export const CLI_ENV = { TESSERA_PASSPHRASE: TEST_PASSPHRASE };

/** Runs `tessera --data DIR --json …`, expects success and returns the output parsed by `schema`. */
export async function cli<S extends z.ZodType>(
  dir: string,
  schema: S,
  args: string[],
  input?: string,
): Promise<z.output<S>> {
  const result = await runCli(['--data', dir, '--json', ...args], {
    env: CLI_ENV,
    ...(input !== undefined ? { input } : {}),
  });
  assert.equal(result.code, 0, `tessera ${args.join(' ')} failed:\n${result.stdout}\n${result.stderr}`);
  return schema.parse(JSON.parse(result.stdout));
}
