/**
 * Job types: how a job type is defined (payload schema, retry policy, timeouts, circuit breaker,
 * automatic redrive, handler), the registry of the types a process knows, payload validation,
 * retry delays and failure fingerprints.
 */
export { checkOptionKeys, defineJob, isJobDefinition, JobRegistry, resolveRetryPolicy, toMs, validatePayload } from './define-job';
export type { JobContext, JobDefinition, JobTypeOptions } from './define-job';
export { resolveAutoRedrive, resolveCircuitBreaker, type AutoRedriveOptions, type CircuitBreakerOptions } from './resilience';
export { failureFingerprint, normaliseMessage, retryDelayMs, topFrame, trimStack } from './backoff';
export { checkTags, parseTag, tagLimits, tagValues, tagsOfValues, type JobTags } from './tags';
