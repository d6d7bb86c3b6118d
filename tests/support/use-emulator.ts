// A test file's handle on the AWS emulator: the shared one the global setup started, or one of
// its own when the file runs alone.
import { afterAll, beforeAll, inject } from 'vitest';
import { EmulatorControl, startEmulator, type Emulator } from '../infra/emulator.js';

export interface EmulatorHandle {
  endpoint(): string;
  control(): EmulatorControl;
}

/**
 * The emulator for a test file: the one the global setup provides (`inject('emulatorEndpoint')`),
 * or, when the file runs without it, one started for this file alone.
 */
export function useEmulator(): EmulatorHandle {
  let endpoint: string | undefined;
  let own: Emulator | undefined;
  beforeAll(async () => {
    endpoint = inject('emulatorEndpoint');
    if (!endpoint) {
      own = await startEmulator();
      endpoint = own.endpoint;
    }
  });
  afterAll(async () => {
    await own?.stop();
  });
  const current = (): string => {
    if (!endpoint)
      throw new Error('the emulator is not started yet (use it inside tests or hooks)');
    return endpoint;
  };
  return { endpoint: current, control: () => new EmulatorControl(current()) };
}
