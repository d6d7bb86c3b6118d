// What a piece of work costs the operator and the API server: memory sampled throughout, CPU
// seconds, and API server requests minus the benchmark's own.
import { requestCounts, requestDelta, totalRequests, type RequestCounts } from './apiserver.js';
import type { BenchEnv } from './env.js';
import { ownRequests } from './kube.js';
import { CPU, memoryOf, sampleMemory, type MemoryProfile } from './sampler.js';
import type { Stage } from './stage.js';

export interface Footprint {
  memory: MemoryProfile;
  cpuSeconds: number;
  /** API server requests during the work, the benchmark's own taken out */
  apiRequests: number;
  /** the same by "VERB resource", the benchmark's own still in */
  apiByKind: [string, number][];
  ownRequests: number;
}

export interface FootprintMeter {
  stop(): Promise<Footprint>;
}

function topKinds(delta: RequestCounts, count: number): [string, number][] {
  return [...delta.entries()].sort((a, b) => b[1] - a[1]).slice(0, count);
}

/** Starts measuring; stop() returns what happened in between. */
export async function meterFootprint(env: BenchEnv, stage: Stage): Promise<FootprintMeter> {
  const sampler = await sampleMemory(stage.operator);
  const cpuBefore = await stage.operator.metric(CPU);
  const requestsBefore = await requestCounts(env.plane);
  const ownBefore = ownRequests();
  return {
    stop: async () => {
      const own = ownRequests() - ownBefore;
      const delta = requestDelta(requestsBefore, await requestCounts(env.plane));
      const cpuSeconds = (await stage.operator.metric(CPU)) - cpuBefore;
      return {
        memory: await sampler.stop(),
        cpuSeconds,
        apiRequests: totalRequests(delta) - own,
        apiByKind: topKinds(delta, 8),
        ownRequests: own,
      };
    },
  };
}

/** The operator's memory now, after `settleMs` without work. */
export async function idleMemory(
  stage: Stage,
  settleMs: number,
): Promise<ReturnType<typeof memoryOf>> {
  await new Promise((resolve) => setTimeout(resolve, settleMs));
  return memoryOf(await stage.operator.metrics());
}
