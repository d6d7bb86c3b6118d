// How loaded the machine and the operator were over a stretch of time: the share of all cores
// that was busy, the operator's CPU, and how long its ScriptExecution reconciles took on average.
import os from 'node:os';
import { CPU, metricValue } from './sampler.js';
import type { BenchOperator } from './stage.js';

export interface Load {
  /** busy share of all cores, 0..1 */
  machineBusy: number;
  /** operator CPU seconds per wall second (1 = one core) */
  operatorCores: number;
  /** mean ScriptExecution reconcile, ms */
  reconcileMeanMs: number;
  reconciles: number;
}

const RECONCILE = 'pcm_ops_reconcile_duration_seconds';
const SE = { kind: 'ScriptExecution' };

function cpuTimes(): { busy: number; total: number } {
  let busy = 0;
  let total = 0;
  for (const { times } of os.cpus()) {
    const all = times.user + times.nice + times.sys + times.idle + times.irq;
    busy += all - times.idle;
    total += all;
  }
  return { busy, total };
}

interface Reading {
  at: number;
  cpu: { busy: number; total: number };
  operatorCpu: number;
  reconcileSeconds: number;
  reconciles: number;
}

async function read(operator: BenchOperator): Promise<Reading> {
  const text = await operator.metrics();
  return {
    at: Date.now(),
    cpu: cpuTimes(),
    operatorCpu: metricValue(text, CPU),
    reconcileSeconds: metricValue(text, `${RECONCILE}_sum`, SE) || 0,
    reconciles: metricValue(text, `${RECONCILE}_count`, SE) || 0,
  };
}

export interface LoadMeter {
  stop(): Promise<Load>;
}

export async function meterLoad(operator: BenchOperator): Promise<LoadMeter> {
  const before = await read(operator);
  return {
    stop: async () => {
      const after = await read(operator);
      const reconciles = after.reconciles - before.reconciles;
      return {
        machineBusy: (after.cpu.busy - before.cpu.busy) / (after.cpu.total - before.cpu.total),
        operatorCores: (after.operatorCpu - before.operatorCpu) / ((after.at - before.at) / 1000),
        reconcileMeanMs:
          reconciles > 0
            ? ((after.reconcileSeconds - before.reconcileSeconds) / reconciles) * 1000
            : 0,
        reconciles,
      };
    },
  };
}
