/**
 * How failures become HTTP answers: one status per rebound error class, and one JSON body shape,
 * `{ error: { name, message } }`, for every failure the API reports.
 */
import { status as grpcStatus } from '@grpc/grpc-js';
import { ServiceError, isGrpcServiceError } from '@temporalio/client';
import {
  BreakerNotFoundError,
  InvalidOptionsError,
  JobNotDeadError,
  JobNotFoundError,
  JobNotPausedError,
  JobNotWaitingError,
  JobPausedError,
  JobSettledError,
  OperationNotFoundError,
  PayloadValidationError,
  ServerUnreachableError,
  UnknownJobTypeError,
  UsageError,
  WorkerUnavailableError,
} from '../errors';

/** A failure as the API reports it. */
export interface Problem {
  status: 400 | 401 | 403 | 404 | 409 | 413 | 500 | 503;
  name: string;
  message: string;
}

/** The JSON body of a failure. */
export const problemBody = (p: Pick<Problem, 'name' | 'message'>) => ({ error: { name: p.name, message: p.message } });

const statusByClass: [abstract new (...args: any[]) => Error, Problem['status']][] = [
  [InvalidOptionsError, 400],
  [PayloadValidationError, 400],
  [UnknownJobTypeError, 400],
  [UsageError, 400],
  [JobNotFoundError, 404],
  [BreakerNotFoundError, 404],
  [OperationNotFoundError, 404],
  [JobNotDeadError, 409],
  [JobNotWaitingError, 409],
  [JobPausedError, 409],
  [JobSettledError, 409],
  [JobNotPausedError, 409],
  [WorkerUnavailableError, 503],
  [ServerUnreachableError, 503],
];

/** gRPC status codes that mean the Temporal server went away, not that it refused the request. */
const unreachableCodes = new Set<number>([grpcStatus.UNAVAILABLE, grpcStatus.DEADLINE_EXCEEDED]);

/** The answer to an error thrown while serving a request; anything unknown is a 500. */
export function problemOf(err: unknown): Problem {
  const e = err instanceof Error ? err : new Error(String(err));
  const grpc = err instanceof ServiceError ? err.cause : err;
  if (isGrpcServiceError(grpc) && unreachableCodes.has(grpc.code)) {
    return { status: 503, name: ServerUnreachableError.name, message: `cannot reach the Temporal server: ${e.message}` };
  }
  const match = statusByClass.find(([cls]) => e instanceof cls);
  return { status: match?.[1] ?? 500, name: e.name, message: e.message };
}

/**
 * The answer to a failed result of `admin.retry` / `admin.cancel`, which report each job's error
 * as `{ name, message }` rather than throwing it: mapped by the class's name, through the same table.
 */
export function problemOfResult(error: { name: string; message: string }): Problem {
  const match = statusByClass.find(([cls]) => cls.name === error.name);
  return { status: match?.[1] ?? 500, name: error.name, message: error.message };
}

/** A bad request naming what is wrong (a 400). */
export const badInput = (message: string) => new InvalidOptionsError(message);
