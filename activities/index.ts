/**
 * Every activity rebound's workers run, made from their dependencies.
 */
import { createDeadLetterActivities, type DeadLetterDeps } from './dead-letter';
import { createRunJob, createValidatePayload, type RunJobDeps } from './run-job';

export type ActivityDeps = RunJobDeps & DeadLetterDeps;

/** Makes the activities of a worker. */
export function createActivities(deps: ActivityDeps) {
  return {
    runJob: createRunJob(deps),
    validateJobPayload: createValidatePayload(deps),
    ...createDeadLetterActivities(deps),
  };
}

/** The activities, as workflows see their types. */
export type Activities = ReturnType<typeof createActivities>;
