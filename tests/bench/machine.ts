// The machine and software a report's numbers came from: no host names, users or paths.
import os from 'node:os';
import type { BenchEnv } from './env.js';

export interface MachineInfo {
  cpu: string;
  cores: number;
  memoryGiB: number;
  os: string;
  node: string;
  kubernetes: string;
  moto: string;
}

async function kubernetesVersion(env: BenchEnv): Promise<string> {
  const result = await env.plane.kubectl(['version', '-o', 'json']);
  if (result.code !== 0) return 'unknown';
  const parsed = JSON.parse(result.stdout) as { serverVersion?: { gitVersion?: string } };
  return parsed.serverVersion?.gitVersion ?? 'unknown';
}

export async function describeMachine(env: BenchEnv): Promise<MachineInfo> {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model.replace(/\s+/g, ' ').trim() ?? 'unknown',
    cores: cpus.length,
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    kubernetes: await kubernetesVersion(env),
    moto: (await env.emulator.control.health()).moto,
  };
}
