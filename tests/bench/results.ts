// Everything one benchmark run measured, as report.ts formats it.
import type { MachineInfo } from './machine.js';
import type { ModuleFootprint } from './memory-baseline.js';
import type { ConcurrentResult } from './scenarios/concurrent.js';
import type { ConsoleResult } from './scenarios/console.js';
import type { EconomyResult } from './scenarios/economy.js';
import type { FloorRun } from './scenarios/floor.js';
import type { LatencyResult } from './scenarios/latency.js';
import type { PairedLightResult } from './scenarios/paired-light.js';
import type { ScaleRun } from './scenarios/scale.js';
import type { SoakResult } from './scenarios/soak.js';

export interface FloorResult {
  pairs: number;
  direct: FloorRun[];
}

export interface BenchResults {
  command: string;
  /** ISO 8601, when the run began */
  date: string;
  durationSeconds: number;
  machine: MachineInfo;
  /** the machine's 1-minute load average, sampled every 10 s through the run */
  loadAverage: number[];
  latency: LatencyResult;
  /** the light latency of this version and the baseline's, taken in turns */
  pairedLight: PairedLightResult;
  economy: EconomyResult;
  floor: FloorResult[];
  scale: ScaleRun[];
  baseline: ModuleFootprint[];
  concurrent: ConcurrentResult;
  soak: SoakResult;
  console: ConsoleResult;
}
