// The benchmark's world: a local control plane and the AWS emulator, started once, and a stack of
// things to stop that runs on success, on failure and on Ctrl-C alike.
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { startControlPlane, type ControlPlane } from '../infra/control-plane.js';
import { startEmulator, type Emulator } from '../infra/emulator.js';
import { crdFiles } from '../infra/global-setup.js';

export interface BenchEnv {
  plane: ControlPlane;
  emulator: Emulator;
  admin: KubeConfig;
  core: CoreV1Api;
}

type Stopper = () => Promise<void>;

const stoppers: { what: string; stop: Stopper }[] = [];

/** Registers something to stop; stopAllStarted() stops the newest first. */
export function onCleanup(what: string, stop: Stopper): () => void {
  const entry = { what, stop };
  stoppers.push(entry);
  return () => {
    const index = stoppers.indexOf(entry);
    if (index >= 0) stoppers.splice(index, 1);
  };
}

let stopping: Promise<void> | undefined;

async function stopEach(): Promise<void> {
  while (stoppers.length > 0) {
    const { what, stop } = stoppers.pop()!;
    await stop().catch((error: unknown) => {
      process.stderr.write(`could not stop ${what}: ${(error as Error).message}\n`);
    });
  }
}

/**
 * Stops everything registered, newest first; one failure does not keep the rest running. A call
 * while a stop is under way (Ctrl-C during the final clean-up) waits for that one to finish.
 */
export function stopAllStarted(): Promise<void> {
  stopping ??= stopEach().finally(() => {
    stopping = undefined;
  });
  return stopping;
}

/** Prints a progress line with the seconds since the run began. */
const begun = Date.now();
export function progress(line: string): void {
  const seconds = ((Date.now() - begun) / 1000).toFixed(0).padStart(4);
  process.stdout.write(`[${seconds} s] ${line}\n`);
}

export async function startBenchEnv(): Promise<BenchEnv> {
  const [plane, emulator] = await Promise.allSettled([
    startControlPlane({ crdFiles: crdFiles() }),
    startEmulator(),
  ]);
  if (plane.status === 'fulfilled') onCleanup('control plane', () => plane.value.stop());
  if (emulator.status === 'fulfilled') onCleanup('AWS emulator', () => emulator.value.stop());
  if (plane.status === 'rejected') throw plane.reason;
  if (emulator.status === 'rejected') throw emulator.reason;
  const admin = new KubeConfig();
  admin.loadFromFile(plane.value.kubeconfigPath);
  return {
    plane: plane.value,
    emulator: emulator.value,
    admin,
    core: admin.makeApiClient(CoreV1Api),
  };
}
