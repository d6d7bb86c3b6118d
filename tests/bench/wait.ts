// Waiting for executions to finish, by polling the API server (each poll counted as the
// benchmark's own request).
import { setTimeout as sleep } from 'node:timers/promises';
import { isFinished, type PcmObject } from './kube.js';
import type { Stage } from './stage.js';

export async function waitFinished(
  stage: Stage,
  name: string,
  options: { timeoutMs: number; intervalMs?: number },
): Promise<PcmObject> {
  const deadline = Date.now() + options.timeoutMs;
  while (Date.now() < deadline) {
    stage.assertOperatorAlive();
    const execution = await stage.objects.get('scriptexecutions', name);
    if (isFinished(execution)) return execution;
    await sleep(options.intervalMs ?? 200);
  }
  throw new Error(`${stage.namespace}/${name} did not finish within ${options.timeoutMs} ms`);
}

/** Waits until every execution in the stage's namespace has finished; returns them. */
export async function waitAllFinished(
  stage: Stage,
  expected: number,
  options: { timeoutMs: number; intervalMs?: number; onProgress?: (done: number) => void },
): Promise<PcmObject[]> {
  const deadline = Date.now() + options.timeoutMs;
  while (Date.now() < deadline) {
    stage.assertOperatorAlive();
    const executions = await stage.objects.list('scriptexecutions');
    const done = executions.filter(isFinished).length;
    options.onProgress?.(done);
    if (executions.length >= expected && done === executions.length) return executions;
    await sleep(options.intervalMs ?? 1000);
  }
  throw new Error(`${stage.namespace}: executions not finished within ${options.timeoutMs} ms`);
}

/** Fails when an execution ended in any phase but Succeeded: a benchmark of failures is void. */
export function assertSucceeded(execution: PcmObject): void {
  const phase = execution.status?.phase;
  if (phase !== 'Succeeded')
    throw new Error(
      `${execution.metadata.name} ended ${String(phase)}: ${String(execution.status?.message)}`,
    );
}
