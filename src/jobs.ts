/**
 * Job types: what a job's payload looks like, how it is retried, and the handler that does it.
 */
import type { StandardSchemaV1 } from '@standard-schema/spec';
import ms from 'ms';
import type { Logger } from 'pino';
import { InvalidOptionsError, PayloadValidationError, UnknownJobTypeError } from './errors';
import { retryPolicyProblem, type AttemptTimeouts, type RetryPolicy } from './shared';

/** A duration: milliseconds, or a string such as `200ms`, `30s`, `5m`, `14d`. */
export type Duration = number | string;

/** Retry options of a job type or of one submit; unset fields fall back to the type's, then the defaults. */
export interface RetryOptions {
  /** Delay before the first retry. @defaultValue `1s` */
  initialInterval?: Duration;
  /** Each delay is the previous one times this (at least 1). @defaultValue `2` */
  backoffCoefficient?: number;
  /** No delay is longer than this. @defaultValue `10m` */
  maximumInterval?: Duration;
  /** Attempts per round, the first included; a positive whole number. @defaultValue `10` */
  maximumAttempts?: number;
  /** Each delay moves at random by up to this fraction, up or down (0 to 1). @defaultValue `0.2` */
  jitterRatio?: number;
  /** Error types (error `name`, or `PermanentError` `type`) that dead-letter at once. @defaultValue `[]` */
  nonRetryableErrorTypes?: string[];
}

/** What a handler gets beside its payload. */
export interface JobContext {
  jobId: string;
  type: string;
  /** Attempt number within the current round, from 1. */
  attempt: number;
  /** 1 for the first run, one more after each retry of the dead job. */
  round: number;
  /** Tells the server the attempt is alive (rebound also heartbeats on its own while a handler runs). */
  heartbeat(details?: unknown): void;
  /** Aborted when the job is cancelled or the attempt timed out. */
  signal: AbortSignal;
  /** Sleeps, heartbeating, and rejects early when {@link signal} aborts. */
  sleep(ms: number): Promise<void>;
  /** A pino logger bound to the job id, type and attempt. */
  logger: Logger;
}

/** Everything that defines a job type. */
export interface JobTypeOptions<S extends StandardSchemaV1 = StandardSchemaV1, R = unknown> {
  /** The name jobs are submitted under, e.g. `email.send`. */
  type: string;
  /** Any Standard Schema (zod, valibot, arktype...) the payload must satisfy. @defaultValue accepts anything */
  schema?: S;
  /** Retry policy of this type. */
  retry?: RetryOptions;
  /** How long one attempt may run. @defaultValue `10m` */
  timeout?: Duration;
  /** How long an attempt may go without a heartbeat before it is retried elsewhere. @defaultValue `30s` */
  heartbeatTimeout?: Duration;
  /** How long a dead job stays parked, waiting for an operator, before it expires. @defaultValue `14d` */
  retention?: Duration;
  /**
   * How long before its expiry a dead job is reported to the dead-letter queue, which sends an
   * `expiring` notification. Shorter than `retention`: a job parked for less than this is not
   * reported before it expires.
   * @defaultValue `1d`
   */
  expiryWarning?: Duration;
  handler(payload: StandardSchemaV1.InferOutput<S>, ctx: JobContext): Promise<R>;
}

/** A defined job type, with its options resolved. */
export interface JobDefinition<S extends StandardSchemaV1 = StandardSchemaV1, R = unknown> {
  readonly type: string;
  readonly schema?: S;
  readonly retry: RetryPolicy;
  readonly timeouts: AttemptTimeouts;
  readonly retentionMs: number;
  /** How long before expiry a dead job is reported as expiring. */
  readonly expiryWarningMs: number;
  readonly handler: JobTypeOptions<S, R>['handler'];
}

/** Defaults of every job type. */
export const defaultRetryPolicy: RetryPolicy = {
  initialIntervalMs: 1_000,
  backoffCoefficient: 2,
  maximumIntervalMs: 10 * 60_000,
  maximumAttempts: 10,
  jitterRatio: 0.2,
  nonRetryableErrorTypes: [],
};
const defaultTimeoutMs = 10 * 60_000;
const defaultHeartbeatTimeoutMs = 30_000;
const defaultRetentionMs = 14 * 24 * 3_600_000;
const defaultExpiryWarningMs = 24 * 3_600_000;

/** Turns a {@link Duration} into milliseconds; `what` names the option in the error. */
export function toMs(value: Duration, what: string): number {
  let n: number | undefined;
  try {
    n = typeof value === 'number' ? value : ms(value as ms.StringValue);
  } catch {
    // `ms` throws a bare Error for an empty string or a value that is not a string at all.
    n = undefined;
  }
  if (typeof n !== 'number' || !Number.isFinite(n) || n <= 0) {
    throw new InvalidOptionsError(`${what} must be a positive duration (ms, or like "200ms", "30s", "5m"), got ${JSON.stringify(value)}`);
  }
  return Math.round(n);
}

/** Applies `options` over `base` and checks every field; throws {@link InvalidOptionsError} naming the first bad one. */
export function resolveRetryPolicy(base: RetryPolicy, options: RetryOptions = {}): RetryPolicy {
  const policy: RetryPolicy = {
    initialIntervalMs: options.initialInterval === undefined ? base.initialIntervalMs : toMs(options.initialInterval, 'initialInterval'),
    backoffCoefficient: options.backoffCoefficient ?? base.backoffCoefficient,
    maximumIntervalMs: options.maximumInterval === undefined ? base.maximumIntervalMs : toMs(options.maximumInterval, 'maximumInterval'),
    maximumAttempts: options.maximumAttempts ?? base.maximumAttempts,
    jitterRatio: options.jitterRatio ?? base.jitterRatio,
    nonRetryableErrorTypes: options.nonRetryableErrorTypes ?? base.nonRetryableErrorTypes,
  };
  checkRetryPolicy(policy);
  return policy;
}

/** Throws {@link InvalidOptionsError} when a resolved policy is out of range. */
export function checkRetryPolicy(policy: RetryPolicy): void {
  const problem = retryPolicyProblem(policy);
  if (problem) throw new InvalidOptionsError(problem);
}

/** Defines a job type. Throws {@link InvalidOptionsError} when an option is out of range. */
export function defineJob<S extends StandardSchemaV1 = StandardSchemaV1, R = unknown>(
  options: JobTypeOptions<S, R>,
): JobDefinition<S, R> {
  if (typeof options.type !== 'string' || options.type.trim() === '') {
    throw new InvalidOptionsError('a job type needs a non-empty `type`');
  }
  if (typeof options.handler !== 'function') {
    throw new InvalidOptionsError(`job type "${options.type}" needs a handler function`);
  }
  return {
    type: options.type,
    schema: options.schema,
    retry: resolveRetryPolicy(defaultRetryPolicy, options.retry),
    timeouts: {
      startToCloseMs: options.timeout === undefined ? defaultTimeoutMs : toMs(options.timeout, 'timeout'),
      heartbeatMs: options.heartbeatTimeout === undefined ? defaultHeartbeatTimeoutMs : toMs(options.heartbeatTimeout, 'heartbeatTimeout'),
    },
    retentionMs: options.retention === undefined ? defaultRetentionMs : toMs(options.retention, 'retention'),
    expiryWarningMs: options.expiryWarning === undefined ? defaultExpiryWarningMs : toMs(options.expiryWarning, 'expiryWarning'),
    handler: options.handler,
  };
}

/** The job types a client or worker knows, by name. */
export class JobRegistry {
  private readonly byType = new Map<string, JobDefinition>();

  constructor(definitions: Iterable<JobDefinition<any, any>>) {
    for (const def of definitions) {
      if (this.byType.has(def.type)) throw new InvalidOptionsError(`job type "${def.type}" is defined twice`);
      this.byType.set(def.type, def as JobDefinition);
    }
  }

  /** The definition of `type`; throws {@link UnknownJobTypeError} when there is none. */
  get(type: string): JobDefinition {
    const def = this.byType.get(type);
    if (!def) throw new UnknownJobTypeError(type, this.types());
    return def;
  }

  has(type: string): boolean {
    return this.byType.has(type);
  }

  types(): string[] {
    return [...this.byType.keys()].sort();
  }
}

/** Validates `payload` against the type's schema; returns the parsed value or throws {@link PayloadValidationError}. */
export async function validatePayload(def: JobDefinition, payload: unknown): Promise<unknown> {
  if (!def.schema) return payload;
  const result = await def.schema['~standard'].validate(payload);
  if (result.issues) {
    throw new PayloadValidationError(
      def.type,
      result.issues.map((issue) => {
        const path = issue.path?.map((p) => (typeof p === 'object' ? p.key : p)).join('.');
        return path ? `${path}: ${issue.message}` : issue.message;
      }),
    );
  }
  return result.value;
}
