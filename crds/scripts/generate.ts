// Writes <plural>.pcm-ops.io.yaml from the zod schemas into crds/generated and into the Helm
// chart's crds/ folder (Helm installs CRDs only from inside the chart).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { KINDS, crdFileName, crdYaml } from '../src/index.js';

const root = join(import.meta.dirname, '..', '..');
for (const outDir of [join(root, 'crds', 'generated'), join(root, 'charts', 'pcm-ops', 'crds')]) {
  mkdirSync(outDir, { recursive: true });
  for (const definition of KINDS) {
    const file = join(outDir, crdFileName(definition));
    writeFileSync(file, crdYaml(definition));
    console.log(`wrote ${relative(root, file)}`);
  }
}
