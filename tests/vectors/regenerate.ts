/**
 * Rewrites tests/vectors/*.json from tests/unit/shared/vector-cases.ts. Run only after a deliberate format change
 * (bump the format version and document it in docs/PROTOCOL.md first):
 *   node_modules/.bin/node tests/vectors/regenerate.ts
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { computeVectors } from '../unit/shared/vector-cases.ts';
import { computeExportVector } from '../unit/shared/export-vector-case.ts';

for (const [name, content] of Object.entries({ ...computeVectors(), 'export.json': await computeExportVector() })) {
  writeFileSync(join(import.meta.dirname, name), JSON.stringify(content, null, 2) + '\n');
  console.log(`wrote tests/vectors/${name}`);
}
