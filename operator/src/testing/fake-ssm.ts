/**
 * SSM Run Command in memory, for model-based tests: a fleet per account and region, commands
 * found by their comment, invocations that end by the clock, cancel. It keeps the truth the
 * tests compare the operator's status with: every command ever accepted.
 */
import type { InvocationStatus, InvocationView } from '../domain/provider.js';

export interface SsmCommand {
  commandId: string;
  comment: string;
  accountId: string;
  region: string;
  instanceIds: string[];
  sentAt: number;
  cancelledAt?: number;
}

export interface Outcome {
  status: Extract<InvocationStatus, 'Success' | 'Failed'>;
  durationMs: number;
}

export class FakeSsm {
  readonly commands: SsmCommand[] = [];

  constructor(
    private readonly fleet: ReadonlyMap<string, readonly string[]>,
    private readonly outcome: (instanceId: string) => Outcome,
    private readonly now: () => number,
  ) {}

  instances(accountId: string, region: string): string[] {
    return [...(this.fleet.get(`${accountId}/${region}`) ?? [])];
  }

  find(accountId: string, region: string, comment: string): SsmCommand | undefined {
    return this.commands.find(
      (c) => c.accountId === accountId && c.region === region && c.comment === comment,
    );
  }

  send(accountId: string, region: string, comment: string, instanceIds: string[]): string {
    const commandId = `cmd-${this.commands.length + 1}`;
    this.commands.push({
      commandId,
      comment,
      accountId,
      region,
      instanceIds: [...instanceIds],
      sentAt: this.now(),
    });
    return commandId;
  }

  command(commandId: string): SsmCommand | undefined {
    return this.commands.find((c) => c.commandId === commandId);
  }

  /** The invocation's status now: Cancelled, its outcome once its time has come, else InProgress. */
  status(command: SsmCommand, instanceId: string, at = this.now()): InvocationStatus {
    const { status, durationMs } = this.outcome(instanceId);
    const endsAt = command.sentAt + durationMs;
    if (command.cancelledAt !== undefined && command.cancelledAt < endsAt) return 'Cancelled';
    return at >= endsAt ? status : 'InProgress';
  }

  invocations(commandId: string): InvocationView[] {
    const command = this.command(commandId);
    if (!command) return [];
    return command.instanceIds.map((instanceId) => {
      const status = this.status(command, instanceId);
      return {
        instanceId,
        status,
        statusDetails: status,
        ...(status === 'Success' ? { exitCode: 0 } : status === 'Failed' ? { exitCode: 1 } : {}),
      };
    });
  }

  cancel(commandId: string): void {
    const command = this.command(commandId);
    if (command && command.cancelledAt === undefined) command.cancelledAt = this.now();
  }

  /** How many commands carry each comment: a batch sent twice shows up here. */
  sendsByComment(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const c of this.commands) counts.set(c.comment, (counts.get(c.comment) ?? 0) + 1);
    return counts;
  }
}
