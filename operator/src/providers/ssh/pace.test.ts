// A batch's pace on SSH hosts, as a model: hosts that run for a few polls and succeed or fail, reads
// that fail (a host unreachable this poll), launches whose answer is lost, and polls whose status
// write is lost (the operator killed before it wrote). Whatever happens, no more hosts run at once
// than the batch's concurrency, no host starts once the batch has recorded more failures than
// its maxErrors, and with the faults gone every host ends.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { BatchInvocation } from '@pcm-ops/crds';
import type { InvocationView } from '../../domain/provider.js';
import { commandIdOf, nextStep, paceOf, sentOf, WAITING, type Pace } from './pace.js';

type Truth =
  | { at: 'staged' }
  | { at: 'skipped' }
  | { at: 'running'; left: number; fails: boolean }
  | { at: 'done'; failed: boolean };

interface HostPlan {
  polls: number;
  fails: boolean;
}

interface Poll {
  unreadable: number[];
  launchLost: boolean;
  writeLost: boolean;
}

function viewOf(id: string, truth: Truth): InvocationView {
  switch (truth.at) {
    case 'staged':
      return { instanceId: id, status: 'Pending', statusDetails: WAITING };
    case 'skipped':
      return { instanceId: id, status: 'Terminated', statusDetails: 'MaxErrorsReached' };
    case 'running':
      return { instanceId: id, status: 'InProgress', statusDetails: 'InProgress' };
    case 'done':
      return truth.failed
        ? { instanceId: id, status: 'Failed', statusDetails: 'Failed' }
        : { instanceId: id, status: 'Success', statusDetails: 'Success' };
  }
}

const unreachable = (id: string): InvocationView => ({
  instanceId: id,
  status: 'InProgress',
  statusDetails: 'Unreachable',
});

interface Outcome {
  maxRunning: number;
  launchedAfterStop: number;
  hosts: Truth[];
}

function simulate(pace: Pace, plans: HostPlan[], polls: Poll[]): Outcome {
  const ids = plans.map((_, at) => `h${at}`);
  const hosts: Truth[] = plans.map(() => ({ at: 'staged' }));
  const recorded = new Map<string, BatchInvocation['status']>();
  let maxRunning = 0;
  let launchedAfterStop = 0;
  // the engine keeps polling until every host ends; faults only in the polls generated
  const rounds = [...polls, ...Array.from({ length: plans.length * 8 + 8 }, () => undefined)];
  for (const poll of rounds) {
    const unreadable = new Set(poll?.unreadable ?? []);
    const views = hosts.map((truth, at) =>
      unreadable.has(at) ? unreachable(ids[at]!) : viewOf(ids[at]!, truth),
    );
    const staged = views.flatMap((view, at) => (view.statusDetails === WAITING ? [at] : []));
    const stopped =
      [...recorded.values()].filter((status) => status === 'Failed').length > pace.maxErrors;
    const step = nextStep(pace, views, recorded, staged);
    for (const at of 'skip' in step ? step.skip : step.launch) {
      if (hosts[at]!.at !== 'staged') continue; // the claim on the host: once
      if ('launch' in step) {
        if (stopped) launchedAfterStop++;
        hosts[at] = { at: 'running', left: plans[at]!.polls, fails: plans[at]!.fails };
      } else hosts[at] = { at: 'skipped' };
      // the answer was lost: the host acted, the poll does not know it
      if (poll?.launchLost) continue;
      views[at] = viewOf(ids[at]!, hosts[at]!);
    }
    maxRunning = Math.max(maxRunning, hosts.filter((truth) => truth.at === 'running').length);
    if (!poll?.writeLost) for (const view of views) recorded.set(view.instanceId, view.status);
    for (const [at, truth] of hosts.entries()) {
      if (truth.at !== 'running') continue;
      hosts[at] =
        truth.left <= 1 ? { at: 'done', failed: truth.fails } : { ...truth, left: truth.left - 1 };
    }
  }
  return { maxRunning, launchedAfterStop, hosts };
}

const plansArb = fc.array(
  fc.record({ polls: fc.integer({ min: 1, max: 4 }), fails: fc.boolean() }),
  {
    minLength: 1,
    maxLength: 20,
  },
);

function pollsArb(hosts: number) {
  return fc.array(
    fc.record({
      unreadable: fc.uniqueArray(fc.integer({ min: 0, max: hosts - 1 }), { maxLength: hosts }),
      launchLost: fc.boolean(),
      writeLost: fc.boolean(),
    }),
    { maxLength: 30 },
  );
}

describe('the pace of a batch on SSH hosts', () => {
  it('never runs more hosts at once than the concurrency, and starts none once maxErrors is passed', () => {
    fc.assert(
      fc.property(
        plansArb.chain((plans) =>
          fc.tuple(
            fc.constant(plans),
            fc.integer({ min: 1, max: plans.length }),
            fc.integer({ min: 0, max: plans.length }),
            pollsArb(plans.length),
          ),
        ),
        ([plans, concurrency, maxErrors, polls]) => {
          const outcome = simulate({ concurrency, maxErrors }, plans, polls);
          expect(outcome.maxRunning).toBeLessThanOrEqual(concurrency);
          expect(outcome.launchedAfterStop).toBe(0);
          // with the faults gone, every host ended: run, or kept from starting
          expect(outcome.hosts.every((h) => h.at === 'done' || h.at === 'skipped')).toBe(true);
          const failures = plans.filter((plan) => plan.fails).length;
          if (failures <= maxErrors) expect(outcome.hosts.every((h) => h.at === 'done')).toBe(true);
          else
            expect(outcome.hosts.filter((h) => h.at === 'done' && h.failed).length).toBeGreaterThan(
              maxErrors,
            );
        },
      ),
      { numRuns: 400 },
    );
  });

  it('starts hosts one slot at a time, in the batch order', () => {
    const plans = Array.from({ length: 5 }, () => ({ polls: 2, fails: false }));
    const pace = { concurrency: 2, maxErrors: 5 };
    const views: InvocationView[] = plans.map((_, at) => ({
      instanceId: `h${at}`,
      status: at === 0 ? 'InProgress' : 'Pending',
      statusDetails: at === 0 ? 'InProgress' : WAITING,
    }));
    expect(nextStep(pace, views, new Map(), [1, 2, 3, 4])).toEqual({ launch: [1] });
  });

  it('counts a failure the batch recorded even while that host cannot be read', () => {
    const views: InvocationView[] = [
      { instanceId: 'h0', status: 'InProgress', statusDetails: 'Unreachable' },
      { instanceId: 'h1', status: 'Pending', statusDetails: WAITING },
    ];
    const pace = { concurrency: 2, maxErrors: 0 };
    expect(nextStep(pace, views, new Map(), [1])).toEqual({ launch: [1] });
    expect(nextStep(pace, views, new Map([['h0', 'Failed']]), [1])).toEqual({ skip: [1] });
  });

  it('keeps the limits a batch was sent with in its command id', () => {
    const pace = paceOf(
      { interpreter: 'bash', commandText: '', maxConcurrency: '10%', maxErrors: '1' },
      40,
    );
    expect(pace).toEqual({ concurrency: 4, maxErrors: 1 });
    const id = commandIdOf({ executionUid: 'u-1', batchIndex: 3 }, pace);
    expect(sentOf(id)).toEqual({
      executionUid: 'u-1',
      batchIndex: 3,
      concurrency: 4,
      maxErrors: 1,
    });
    expect(paceOf({ interpreter: 'bash', commandText: '' }, 7)).toEqual({
      concurrency: 7,
      maxErrors: 7,
    });
  });
});
