import { EC2Client } from '@aws-sdk/client-ec2';
import { SSMClient } from '@aws-sdk/client-ssm';
import { STSClient } from '@aws-sdk/client-sts';
import { OrganizationsClient } from '@aws-sdk/client-organizations';
import type {
  AwsCredentialIdentity,
  AwsCredentialIdentityProvider,
  DeserializeHandler,
  DeserializeHandlerArguments,
  DeserializeHandlerOutput,
  HandlerExecutionContext,
  MiddlewareStack,
} from '@smithy/types';
import { classifyAwsError } from './errors.js';

/** Counts every attempt of every AWS call, by service, operation and outcome. */
export type AwsCallObserver = (call: {
  service: string;
  operation: string;
  outcome: string;
}) => void;

export interface AwsClientOptions {
  region: string;
  credentials?: AwsCredentialIdentity | AwsCredentialIdentityProvider;
  /** Send calls here instead of the public endpoint (an emulator in tests and the demo). */
  endpoint?: string;
  observe?: AwsCallObserver;
  maxAttempts?: number;
  /** Deadline of one attempt (the SDK's requestTimeout), in milliseconds. */
  requestTimeoutMs?: number;
}

interface MiddlewareStackHolder {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- every client's stack has its own input/output types
  middlewareStack: MiddlewareStack<any, any>;
}

function serviceName(clientName: string | undefined): string {
  return (clientName ?? 'unknown').replace(/Client$/, '').toLowerCase();
}

function operationName(commandName: string | undefined): string {
  return (commandName ?? 'unknown').replace(/Command$/, '');
}

/**
 * Observes each attempt (the deserialize step runs once per attempt, inside the SDK's retry
 * loop), so throttled attempts that the SDK retried are counted too.
 */
export function observeCalls<C extends MiddlewareStackHolder>(
  client: C,
  observe?: AwsCallObserver,
): C {
  if (!observe) return client;
  client.middlewareStack.add(
    (next: DeserializeHandler<object, object>, context: HandlerExecutionContext) =>
      async (
        args: DeserializeHandlerArguments<object>,
      ): Promise<DeserializeHandlerOutput<object>> => {
        const call = {
          service: serviceName(context.clientName),
          operation: operationName(context.commandName),
        };
        try {
          const result = await next(args);
          observe({ ...call, outcome: 'success' });
          return result;
        } catch (error) {
          const failure = classifyAwsError(error);
          observe({ ...call, outcome: failure.reason === 'Throttled' ? 'throttled' : 'error' });
          throw error;
        }
      },
    { step: 'deserialize', name: 'pcmOpsObserveCalls', priority: 'high' },
  );
  return client;
}

/** Raised instead of sending a request this process may no longer make (it lost its lease). */
export class FencedError extends Error {
  override readonly name = 'NotLeader';
}

/**
 * Checks `mayAct` immediately before each attempt goes on the wire: innermost of all middleware,
 * after retries and signing, so a process paused past its lease (SIGSTOP, a long GC) that wakes
 * up inside a call does not send it.
 */
export function fenceCalls<C extends MiddlewareStackHolder>(client: C, mayAct: () => boolean): C {
  client.middlewareStack.add(
    (next: DeserializeHandler<object, object>) =>
      async (
        args: DeserializeHandlerArguments<object>,
      ): Promise<DeserializeHandlerOutput<object>> => {
        if (!mayAct()) throw new FencedError('this operator no longer holds the leader lease');
        return next(args);
      },
    { step: 'deserialize', name: 'pcmOpsLeaderFence', priority: 'low' },
  );
  return client;
}

/** The settings every client shares: adaptive retries rate-limit the client after throttling. */
export function baseConfig(options: AwsClientOptions): Record<string, unknown> {
  return {
    region: options.region,
    credentials: options.credentials,
    endpoint: options.endpoint,
    retryMode: 'adaptive',
    maxAttempts: options.maxAttempts ?? 4,
    ...(options.requestTimeoutMs === undefined
      ? {}
      : {
          requestHandler: {
            requestTimeout: options.requestTimeoutMs,
            throwOnRequestTimeout: true,
            connectionTimeout: 5_000,
          },
        }),
  };
}

export function stsClient(options: AwsClientOptions): STSClient {
  return observeCalls(new STSClient(baseConfig(options)), options.observe);
}

export function organizationsClient(options: AwsClientOptions): OrganizationsClient {
  return observeCalls(new OrganizationsClient(baseConfig(options)), options.observe);
}

export function ec2Client(options: AwsClientOptions): EC2Client {
  return observeCalls(new EC2Client(baseConfig(options)), options.observe);
}

export function ssmClient(options: AwsClientOptions): SSMClient {
  return observeCalls(new SSMClient(baseConfig(options)), options.observe);
}

/**
 * The client for SendCommand, which is not idempotent: one attempt per call, never retried by the
 * SDK, bounded by a deadline, and fenced by the leader lease. The caller looks for a send that got
 * no answer (by its comment) before it sends again.
 */
export function ssmSendClient(options: AwsClientOptions, mayAct: () => boolean): SSMClient {
  const client = new SSMClient({
    ...baseConfig({ ...options, maxAttempts: 1 }),
    retryMode: 'standard',
  });
  return fenceCalls(observeCalls(client, options.observe), mayAct);
}
