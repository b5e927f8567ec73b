/**
 * What crosses the workflow boundary: workflow and activity names, ids, search attributes,
 * message definitions and the types of inputs, states and results. One file per contract.
 *
 * Bundled into workflow code: files here import nothing but `@temporalio/*` and each other.
 */
export * from './ids';
export * from './limits';
export * from './retry-policy';
export * from './job';
export * from './dead-letter';
export * from './bulk';
export * from './breaker';
export * from './redrive';
