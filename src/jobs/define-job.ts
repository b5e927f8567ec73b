/**
 * Job types: what a job's payload looks like, how it is retried, and the handler that does it.
 */
import type { StandardSchemaV1 } from '@standard-schema/spec';
import type { Duration } from '@temporalio/common';
import type { Logger } from 'pino';
import {
  defaultRetryPolicy,
  resolveRetryOptions,
  retryOptionKeys,
  unknownKeys,
  type AttemptTimeouts,
  type AutoRedrivePolicy,
  type BreakerPolicy,
  type ResolvedRetryPolicy,
  type RetryOptions,
} from '../contract';
import { InvalidOptionsError, PayloadValidationError, UnknownJobTypeError } from '../errors';
import { checkOptionKeys, didYouMean, toMs } from './options';
import { resolveAutoRedrive, resolveCircuitBreaker, type AutoRedriveOptions, type CircuitBreakerOptions } from './resilience';

export { checkOptionKeys, toMs };

/** What a handler gets beside its payload. */
export interface JobContext {
  /** The job's id. */
  jobId: string;
  /** The job's type. */
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
  /**
   * Opens when the type's attempts fail too often: attempts then wait, keeping their jobs'
   * attempts, until probes succeed. Durable: the state lives in a workflow of the task queue.
   * @defaultValue none (no breaker)
   */
  circuitBreaker?: CircuitBreakerOptions;
  /** Retries dead jobs of chosen error types by itself, after a cooldown, a few times. @defaultValue none */
  autoRedrive?: AutoRedriveOptions;
  /** Runs one attempt: return the result, throw to fail it (a `PermanentError` dead-letters at once). */
  handler(payload: StandardSchemaV1.InferOutput<S>, ctx: JobContext): Promise<R>;
}

/** A defined job type, with its options resolved (what {@link defineJob} returns). */
export interface JobDefinition<S extends StandardSchemaV1 = StandardSchemaV1, R = unknown> {
  /** The name jobs are submitted under. */
  readonly type: string;
  /** The payload's schema, when the type has one. */
  readonly schema?: S;
  /** The type's retry policy, resolved. */
  readonly retry: ResolvedRetryPolicy;
  /** Timeouts of one attempt. */
  readonly timeouts: AttemptTimeouts;
  /** How long a dead job stays parked, in milliseconds. */
  readonly retentionMs: number;
  /** How long before expiry a dead job is reported as expiring, in milliseconds. */
  readonly expiryWarningMs: number;
  /** The type's circuit breaker, resolved; absent when it has none. */
  readonly circuitBreaker?: BreakerPolicy;
  /** The type's automatic redrive, resolved; absent when it has none. */
  readonly autoRedrive?: AutoRedrivePolicy;
  /** Runs one attempt. */
  readonly handler: JobTypeOptions<S, R>['handler'];
}

const defaultTimeoutMs = 10 * 60_000;
const defaultHeartbeatTimeoutMs = 30_000;
const defaultRetentionMs = 14 * 24 * 3_600_000;
const defaultExpiryWarningMs = 24 * 3_600_000;

/**
 * Applies `options` over `base` and checks every field; throws {@link InvalidOptionsError}
 * naming the first bad one (an unknown field with the nearest known name).
 */
export function resolveRetryPolicy(base: ResolvedRetryPolicy, options: RetryOptions = {}): ResolvedRetryPolicy {
  if (typeof options === 'object' && options !== null) {
    const unknown = unknownKeys(options, retryOptionKeys);
    if (unknown.length > 0) throw new InvalidOptionsError(`unknown retry option ${didYouMean(unknown, retryOptionKeys)}`);
  }
  const { policy, problem } = resolveRetryOptions(base, options);
  if (problem !== undefined) throw new InvalidOptionsError(problem);
  return policy;
}

const jobTypeOptionKeys: readonly (keyof JobTypeOptions)[] = ['type', 'schema', 'retry', 'timeout', 'heartbeatTimeout', 'retention', 'expiryWarning', 'circuitBreaker', 'autoRedrive', 'handler'];

/** Marks what {@link defineJob} returns, so a job module's exports can be told apart (across copies of the package too). */
const definitionBrand = Symbol.for('rebound.jobDefinition');

/** True when `value` is a job type made by {@link defineJob}. */
export function isJobDefinition(value: unknown): value is JobDefinition<any, any> {
  return typeof value === 'object' && value !== null && (value as { [definitionBrand]?: boolean })[definitionBrand] === true;
}

/**
 * Defines a job type. Throws {@link InvalidOptionsError} when an option is unknown (naming the
 * nearest known one) or out of range.
 */
export function defineJob<S extends StandardSchemaV1 = StandardSchemaV1, R = unknown>(
  options: JobTypeOptions<S, R>,
): JobDefinition<S, R> {
  checkOptionKeys(options, jobTypeOptionKeys, 'job type');
  if (typeof options.type !== 'string' || options.type.trim() === '') {
    throw new InvalidOptionsError('a job type needs a non-empty `type`');
  }
  if (typeof options.handler !== 'function') {
    throw new InvalidOptionsError(`job type "${options.type}" needs a handler function`);
  }
  const definition: JobDefinition<S, R> = {
    type: options.type,
    schema: options.schema,
    retry: resolveRetryPolicy(defaultRetryPolicy, options.retry),
    timeouts: {
      startToCloseMs: options.timeout === undefined ? defaultTimeoutMs : toMs(options.timeout, 'timeout'),
      heartbeatMs: options.heartbeatTimeout === undefined ? defaultHeartbeatTimeoutMs : toMs(options.heartbeatTimeout, 'heartbeatTimeout'),
    },
    retentionMs: options.retention === undefined ? defaultRetentionMs : toMs(options.retention, 'retention'),
    expiryWarningMs: options.expiryWarning === undefined ? defaultExpiryWarningMs : toMs(options.expiryWarning, 'expiryWarning'),
    ...(options.circuitBreaker === undefined ? {} : { circuitBreaker: resolveCircuitBreaker(options.circuitBreaker, options.type) }),
    ...(options.autoRedrive === undefined ? {} : { autoRedrive: resolveAutoRedrive(options.autoRedrive, options.type) }),
    handler: options.handler,
  };
  if (definition.autoRedrive && definition.autoRedrive.cooldownMs >= definition.retentionMs) {
    // Its dead jobs would expire before their redrive was due: none would ever be redriven.
    throw new InvalidOptionsError(
      `autoRedrive.cooldown of job type "${options.type}" (${definition.autoRedrive.cooldownMs} ms) must be shorter than its retention (${definition.retentionMs} ms): a dead job expires at the end of its retention`,
    );
  }
  return Object.defineProperty(definition, definitionBrand, { value: true, enumerable: false });
}

/** The job types a client or worker knows, by name. Throws `InvalidOptionsError` when a type is defined twice. */
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

  /** True when `type` is registered. */
  has(type: string): boolean {
    return this.byType.has(type);
  }

  /** The registered type names, sorted. */
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
