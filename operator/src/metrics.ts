import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Prometheus metrics of one operator process. */
export class Metrics {
  readonly registry = new Registry();

  readonly reconciles = new Counter({
    name: 'pcm_ops_reconcile_total',
    help: 'Reconciles by kind and result (success, error, requeue).',
    labelNames: ['kind', 'result'] as const,
    registers: [this.registry],
  });

  readonly reconcileDuration = new Histogram({
    name: 'pcm_ops_reconcile_duration_seconds',
    help: 'Time spent in one reconcile, by kind.',
    labelNames: ['kind'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });

  readonly queueDepth = new Gauge({
    name: 'pcm_ops_queue_depth',
    help: 'Keys waiting in the work queue, by kind.',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });

  readonly awsCalls = new Counter({
    name: 'pcm_ops_aws_calls_total',
    help: 'AWS API calls by service, operation and outcome (success, throttled, error).',
    labelNames: ['service', 'operation', 'outcome'] as const,
    registers: [this.registry],
  });

  readonly commandPolls = new Counter({
    name: 'pcm_ops_command_polls_total',
    help: 'Times a running SSM command was polled; each poll reads all its invocations (one page of 50).',
    registers: [this.registry],
  });

  readonly secretsFollowed = new Gauge({
    name: 'pcm_ops_secrets_followed',
    help: 'Secrets the operator reads and watches: only those credentials and executions reference.',
    registers: [this.registry],
  });

  readonly leader = new Gauge({
    name: 'pcm_ops_leader',
    help: '1 while this process holds the leader Lease.',
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'pcm_ops_' });
  }
}
