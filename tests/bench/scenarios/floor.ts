// Floor: the same 5,000-target work done by a minimal script that calls SSM directly with the SDK
// against the same emulator, fleet and invocation timings: SendCommand batches of 50 one after
// another, then rounds of one ListCommandInvocations page per unfinished command (up to 8 at once,
// the operator's default AWS parallelism) with the operator's shortest poll interval between rounds,
// until every invocation is terminal. The operator's side is the economy scenario's 5,000-target run.
import { setTimeout as sleep } from 'node:timers/promises';
import {
  ListCommandInvocationsCommand,
  SendCommandCommand,
  type SSMClient,
} from '@aws-sdk/client-ssm';
import { assumeAccount, ssmClient } from '../../support/aws.js';
import { callsByOperation, type CallsByOperation } from '../aws-calls.js';
import { IDS_PER_COMMAND } from '../economy-model.js';
import { progress, type BenchEnv } from '../env.js';
import type { SeededGroup } from '../fleet.js';
import { BENCH_OPERATOR_ENV } from '../stage.js';

const TERMINAL = new Set([
  'Success',
  'Failed',
  'Cancelled',
  'TimedOut',
  'Undeliverable',
  'Terminated',
  'DeliveryTimedOut',
  'ExecutionTimedOut',
  'InvalidPlatform',
  'AccessDenied',
]);
const POLL_PARALLELISM = 8;
const ROUND_PAUSE_MS = Number(BENCH_OPERATOR_ENV.PCM_OPS_POLL_MIN_MS);

interface Sent {
  client: SSMClient;
  commandId: string;
  size: number;
}

export interface FloorRun {
  ms: number;
  /** start → last SendCommand answered */
  sendMs: number;
  calls: CallsByOperation;
  rounds: number;
}

async function clientsFor(env: BenchEnv, groups: SeededGroup[]): Promise<SSMClient[]> {
  const clients: SSMClient[] = [];
  for (const group of groups) {
    const credentials = await assumeAccount(env.emulator.endpoint, group.account);
    clients.push(ssmClient(env.emulator.endpoint, { region: group.region, credentials }));
  }
  return clients;
}

async function sendAll(groups: SeededGroup[], clients: SSMClient[]): Promise<Sent[]> {
  const sent: Sent[] = [];
  for (const [index, group] of groups.entries()) {
    const client = clients[index]!;
    for (let i = 0; i < group.instanceIds.length; i += IDS_PER_COMMAND) {
      const instanceIds = group.instanceIds.slice(i, i + IDS_PER_COMMAND);
      const { Command } = await client.send(
        new SendCommandCommand({
          InstanceIds: instanceIds,
          DocumentName: 'AWS-RunShellScript',
          Parameters: { commands: ['echo floor'] },
        }),
      );
      sent.push({ client, commandId: Command!.CommandId!, size: instanceIds.length });
    }
  }
  return sent;
}

async function isDone(command: Sent): Promise<boolean> {
  const page = await command.client.send(
    new ListCommandInvocationsCommand({
      CommandId: command.commandId,
      Details: true,
      MaxResults: IDS_PER_COMMAND,
    }),
  );
  const invocations = page.CommandInvocations ?? [];
  return invocations.length === command.size && invocations.every((i) => TERMINAL.has(i.Status!));
}

/** One round: each unfinished command polled once; returns the ones still unfinished. */
async function pollRound(pending: Sent[]): Promise<Sent[]> {
  const left: Sent[] = [];
  const queue = [...pending];
  const worker = async (): Promise<void> => {
    for (let next = queue.shift(); next; next = queue.shift()) {
      if (!(await isDone(next))) left.push(next);
    }
  };
  await Promise.all(Array.from({ length: POLL_PARALLELISM }, worker));
  return left;
}

async function directRun(env: BenchEnv, groups: SeededGroup[]): Promise<FloorRun> {
  const clients = await clientsFor(env, groups);
  await env.emulator.control.resetCallCounts();
  const began = Date.now();
  let pending = await sendAll(groups, clients);
  const sendMs = Date.now() - began;
  let rounds = 0;
  while (pending.length > 0) {
    if (rounds > 0) await sleep(ROUND_PAUSE_MS);
    pending = await pollRound(pending);
    rounds += 1;
  }
  const ms = Date.now() - began;
  for (const client of clients) client.destroy();
  return { ms, sendMs, calls: await callsByOperation(env.emulator.control), rounds };
}

export interface FloorShape {
  pairs: number;
  groups: SeededGroup[];
}

/** The direct script's runs per shape (1 pair, 10 pairs), `repetitions` each. */
export async function runFloor(
  env: BenchEnv,
  shapes: FloorShape[],
  repetitions: number,
): Promise<Map<number, FloorRun[]>> {
  const runs = new Map<number, FloorRun[]>();
  for (let repetition = 1; repetition <= repetitions; repetition += 1) {
    for (const shape of shapes) {
      const run = await directRun(env, shape.groups);
      runs.set(shape.pairs, [...(runs.get(shape.pairs) ?? []), run]);
      progress(
        `floor ${repetition}/${repetitions}: direct SDK script, 5,000 targets over ${shape.pairs} pair(s) in ${(run.ms / 1000).toFixed(1)} s`,
      );
    }
  }
  return runs;
}
