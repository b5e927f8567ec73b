/**
 * Every activity rebound's workers run, made from their dependencies.
 */
import { createBreakerActivities, createBreakerGate, type BreakerDeps } from './breaker';
import { createDeadLetterActivities, type DeadLetterDeps } from './dead-letter';
import { createRunJob, createValidatePayload, type RunJobDeps } from './run-job';

export type ActivityDeps = Omit<RunJobDeps, 'breakers'> & DeadLetterDeps & BreakerDeps;

/** Makes the activities of a worker. */
export function createActivities(deps: ActivityDeps) {
  // Only a worker with a type that has a breaker reads or reports to one.
  const breakers = [...deps.registry.types()].some((t) => deps.registry.get(t).circuitBreaker) ? createBreakerGate(deps) : undefined;
  return {
    runJob: createRunJob({ ...deps, breakers }),
    validateJobPayload: createValidatePayload(deps),
    ...createDeadLetterActivities(deps),
    ...createBreakerActivities(deps),
  };
}

/** The activities, as workflows see their types. */
export type Activities = ReturnType<typeof createActivities>;
