import { readFileSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { writeFileAtomic } from '../core/atomic-file.ts';

/**
 * `tessera serve` writes where its local API listens, and the token, into the data dir (mode 0600), so the CLI of
 * the same user can talk to it. Only the owner of the data dir can read it.
 */
export const ApiEndpoint = z.object({
  pid: z.number().int().positive(),
  port: z.number().int().min(1).max(65535),
  token: z.string().regex(/^[0-9a-f]{64}$/),
});
export type ApiEndpoint = z.infer<typeof ApiEndpoint>;

const FILE = 'api.json';

export function writeApiEndpoint(dataDir: string, endpoint: ApiEndpoint): void {
  writeFileAtomic(join(dataDir, FILE), JSON.stringify(endpoint), 0o600);
}

export function readApiEndpoint(dataDir: string): ApiEndpoint | null {
  try {
    const parsed = ApiEndpoint.safeParse(JSON.parse(readFileSync(join(dataDir, FILE), 'utf8')));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

export function removeApiEndpoint(dataDir: string): void {
  try {
    unlinkSync(join(dataDir, FILE));
  } catch {
    // already gone
  }
}
