// Starts the local control plane and the AWS emulator once for the whole integration run and
// hands their addresses to the test files through vitest's provide/inject.
import { readdirSync } from 'node:fs';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { startControlPlane } from './control-plane.js';
import { startEmulator } from './emulator.js';

declare module 'vitest' {
  export interface ProvidedContext {
    kubeconfigPath: string;
    kubeBinDir: string;
    kubeServer: string;
    emulatorEndpoint: string;
  }
}

export const CRD_DIR = path.join(import.meta.dirname, '..', '..', 'crds', 'generated');

export function crdFiles(): string[] {
  return readdirSync(CRD_DIR)
    .filter((file) => file.endsWith('.yaml'))
    .map((file) => path.join(CRD_DIR, file));
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const started = Date.now();
  const [plane, emu] = await Promise.allSettled([
    startControlPlane({ crdFiles: crdFiles() }),
    startEmulator(),
  ]);
  if (plane.status === 'rejected' || emu.status === 'rejected') {
    // One came up and the other did not: stop the one that did before failing the run.
    if (plane.status === 'fulfilled') await plane.value.stop();
    if (emu.status === 'fulfilled') await emu.value.stop();
    throw plane.status === 'rejected' ? plane.reason : (emu as PromiseRejectedResult).reason;
  }
  const controlPlane = plane.value;
  const emulator = emu.value;
  console.log(`control plane and emulator ready in ${Date.now() - started} ms`);
  project.provide('kubeconfigPath', controlPlane.kubeconfigPath);
  project.provide('kubeBinDir', controlPlane.binDir);
  project.provide('kubeServer', controlPlane.server);
  project.provide('emulatorEndpoint', emulator.endpoint);
  return async () => {
    await emulator.stop();
    await controlPlane.stop();
  };
}
