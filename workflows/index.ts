/** Every workflow a rebound worker runs. */
export { jobWorkflow } from './job';
export { deadLetterWorkflow } from './dead-letter';
export { bulkOperationWorkflow } from './bulk';
export { breakerWorkflow } from './breaker';
export { redriveGateWorkflow } from './redrive-gate';
