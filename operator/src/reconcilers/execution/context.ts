import type { ExecutionBatch, ScriptExecution, ScriptExecutionStatus } from '@pcm-ops/crds';
import { ConflictError, type ExecutionSnapshot } from '../../domain/store.js';
import type { ExecutionDeps } from './deps.js';

export type Row = NonNullable<ScriptExecutionStatus['accounts']>[number];

/**
 * One step's view of an execution: the snapshot it started from, replaced piece by piece by what
 * each write returns, so every later write in the step carries the resourceVersion of the copy
 * just stored. Status writes are chained: steps that run in parallel (locations resolving at
 * once) each compute their patch from the execution as the previous write left it.
 */
export class Run {
  se: ScriptExecution;
  readonly batches: Map<string, ExecutionBatch>;
  private writing: Promise<unknown> = Promise.resolve();
  /** First pages of locations looked up before the run froze (see lookUpEarly), by spot. */
  private readonly earlyPages = new Map<string, Promise<unknown>>();
  /** Status fields computed but not written yet: they go with the next status write. */
  private deferred: Record<string, unknown> | undefined;
  /** Settles once `se` is known to be the stored execution (see confirmed). */
  private current: Promise<void> | undefined;

  constructor(
    snapshot: ExecutionSnapshot,
    readonly deps: ExecutionDeps,
  ) {
    this.se = snapshot.execution;
    this.batches = new Map(snapshot.batches.map((b) => [b.metadata.name!, b]));
  }

  get hasEarly(): boolean {
    return this.earlyPages.size > 0;
  }

  early<T>(spot: string, page: Promise<T>): void {
    this.earlyPages.set(spot, page);
  }

  /** A page looked up early for this spot, once: later pages are looked up as they come. */
  takeEarly<T>(spot: string): Promise<T> | undefined {
    const page = this.earlyPages.get(spot) as Promise<T> | undefined;
    this.earlyPages.delete(spot);
    return page;
  }

  get namespace(): string {
    return this.se.metadata.namespace!;
  }

  get uid(): string {
    return this.se.metadata.uid!;
  }

  get rows(): Row[] {
    return this.view().status?.accounts ?? [];
  }

  /** The execution as stored, with the deferred fields on top. */
  private view(): ScriptExecution {
    if (!this.deferred) return this.se;
    return { ...this.se, status: { ...this.se.status, ...this.deferred } as ScriptExecutionStatus };
  }

  /**
   * Keeps status fields to write with the next status write, when one follows at once anyway (a
   * location's last page, then the start): one write instead of two. Lost with the step if the
   * next write fails, which only means that work is done again.
   */
  defer(compute: (se: ScriptExecution) => object): void {
    this.deferred = { ...this.deferred, ...compute(this.view()) };
  }

  now(): Date {
    return this.deps.now();
  }

  /** The batches in plan order. */
  sorted(): ExecutionBatch[] {
    return [...this.batches.values()].sort((a, b) => a.spec.index - b.spec.index);
  }

  inLocation(location: number): ExecutionBatch[] {
    return this.sorted().filter((b) => (b.spec.location ?? 0) === location);
  }

  /** Writes status fields computed from the execution as the previous write left it. */
  updateStatus(compute: (se: ScriptExecution) => object | undefined): Promise<ScriptExecution> {
    const next = this.writing.then(async () => {
      const computed = compute(this.view());
      const fields = this.deferred ? { ...this.deferred, ...computed } : computed;
      if (fields) {
        this.se = await this.deps.store.writeStatus(this.se, fields);
        this.current = Promise.resolve();
        this.deferred = undefined;
      }
      return this.se;
    });
    this.writing = next.catch(() => undefined);
    return next;
  }

  async writeMetadata(metadata: object): Promise<void> {
    await this.writing;
    this.se = await this.deps.store.writeMetadata(this.se, metadata);
    this.current = Promise.resolve();
  }

  /**
   * Before batches are created or deleted on the strength of the execution's state: that state
   * must be the stored one, not a cached copy that lags another process's writes (a new leader's
   * cache can show a run still resolving that its predecessor already started). A copy this step
   * wrote itself is current; any other is checked once with a live read. Writes to the execution
   * itself need no such check: they are conditional on its resourceVersion.
   */
  confirmed(): Promise<void> {
    this.current ??= this.deps.store.isCurrent(this.se).then((current) => {
      if (!current) {
        this.current = undefined;
        throw new ConflictError(`ScriptExecution ${this.namespace}/${this.se.metadata.name}`);
      }
    });
    return this.current;
  }

  /** Writes a batch's status, conditional on the copy given; returns (and keeps) what is stored. */
  async writeBatch(batch: ExecutionBatch, status: object): Promise<ExecutionBatch> {
    const written = await this.deps.store.writeBatchStatus(batch, status);
    this.batches.set(written.metadata.name!, written);
    return written;
  }

  keep(batch: ExecutionBatch): void {
    this.batches.set(batch.metadata.name!, batch);
  }

  forgetLocation(location: number): void {
    for (const batch of this.inLocation(location)) this.batches.delete(batch.metadata.name!);
  }
}
