// Writes crds/generated/<plural>.pcm-ops.io.yaml from the zod schemas.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { KINDS, crdFileName, crdYaml } from '../src/index.js';

const outDir = join(import.meta.dirname, '..', 'generated');
mkdirSync(outDir, { recursive: true });
for (const definition of KINDS) {
  const file = join(outDir, crdFileName(definition));
  writeFileSync(file, crdYaml(definition));
  console.log(`wrote ${file.slice(file.indexOf('crds/'))}`);
}
