/**
 * The circuit breakers of a task queue's job types, for operators: list them, read one, and
 * override one (force it open or closed, or give it back to its failure rate), recording who
 * did it and why in the breaker's own state.
 */
import { WithStartWorkflowOperation, WorkflowNotFoundError, type Client } from '@temporalio/client';
import { askWorker } from '../client';
import {
  BreakerStateName,
  breakerModes,
  breakerStateQuery,
  breakerWorkflowId,
  breakerWorkflowType,
  setBreakerUpdate,
  type BreakerInput,
  type BreakerMode,
  type BreakerRecord,
  type BreakerStatus,
} from '../contract';
import { BreakerNotFoundError, InvalidOptionsError } from '../errors';
import { checkOptionKeys, type JobRegistry } from '../jobs';
import type { BreakerOverrideOptions } from './types';
import { defaultActor, recordAudit } from './audit';
import { quote } from './visibility';

/** The breaker operations of `createAdmin`, over one task queue. */
export function createBreakerAdmin(client: Client, taskQueue: string, registry: JobRegistry | undefined) {
  const policyOf = (type: string) => (registry?.has(type) ? registry.get(type).circuitBreaker : undefined);

  /** The record of a breaker that has not started: closed, nothing counted. */
  const untouched = (type: string): BreakerRecord => ({
    type,
    taskQueue,
    state: BreakerStateName.Closed,
    mode: 'auto',
    policy: policyOf(type),
    window: { attempts: 0, failures: 0 },
    probesInFlight: 0,
    probesSucceeded: 0,
    refused: 0,
    waiting: 0,
    overrides: [],
    transitions: [],
  });

  /** Throws {@link BreakerNotFoundError} when `type` has no breaker configured (when the types are known) and none running. */
  async function requireBreaker(type: string): Promise<void> {
    if (typeof type !== 'string' || type === '') throw new InvalidOptionsError(`a breaker is named by its job type, got ${JSON.stringify(type)}`);
    if (policyOf(type)) return;
    if (registry) throw new BreakerNotFoundError(type, taskQueue, registry.has(type) ? 'its definition sets no circuitBreaker' : `no such job type; known: ${registry.types().join(', ') || '(none)'}`);
    try {
      await client.workflow.getHandle(breakerWorkflowId(taskQueue, type)).describe();
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) throw new BreakerNotFoundError(type, taskQueue, 'none has run yet (give the job types, e.g. --jobs, to check their definitions)');
      throw err;
    }
  }

  return {
    async breakers(): Promise<BreakerStatus[]> {
      const query = `WorkflowType = '${breakerWorkflowType}' AND TaskQueue = ${quote(taskQueue, 'task queue')} AND ExecutionStatus = 'Running'`;
      const found = new Map<string, BreakerStatus>();
      for await (const wf of client.workflow.list({ query })) {
        const status = wf.memo?.breaker as BreakerStatus | undefined;
        if (status?.type) found.set(status.type, status);
      }
      for (const type of registry?.types() ?? []) {
        if (policyOf(type) && !found.has(type)) found.set(type, { type, state: BreakerStateName.Closed, mode: 'auto' });
      }
      return [...found.values()].sort((a, b) => a.type.localeCompare(b.type));
    },

    async breaker(type: string): Promise<BreakerRecord> {
      await requireBreaker(type);
      const handle = client.workflow.getHandle(breakerWorkflowId(taskQueue, type));
      const running = async () => {
        try {
          const d = await handle.describe();
          return d.status.name === 'RUNNING';
        } catch (err) {
          if (err instanceof WorkflowNotFoundError) return false;
          throw err;
        }
      };
      if (!(await running())) return untouched(type);
      return askWorker(client, taskQueue, { what: `the circuit breaker of ${type}`, ask: () => handle.query(breakerStateQuery) });
    },

    async setBreaker(type: string, mode: BreakerMode, options: BreakerOverrideOptions = {}): Promise<BreakerRecord> {
      if (!breakerModes.includes(mode)) throw new InvalidOptionsError(`a breaker's mode is one of ${breakerModes.join(', ')}, got ${JSON.stringify(mode)}`);
      checkOptionKeys(options, ['reason', 'by'], 'setBreaker');
      if (options.reason !== undefined && typeof options.reason !== 'string') throw new InvalidOptionsError(`reason must be text, got ${JSON.stringify(options.reason)}`);
      if (options.by !== undefined && (typeof options.by !== 'string' || options.by.trim() === '')) throw new InvalidOptionsError(`by must name who sets the breaker, got ${JSON.stringify(options.by)}`);
      await requireBreaker(type);
      const input: BreakerInput = { taskQueue, type, policy: policyOf(type) };
      const startWorkflowOperation = new WithStartWorkflowOperation(breakerWorkflowType, {
        workflowId: breakerWorkflowId(taskQueue, type),
        taskQueue,
        args: [input],
        workflowIdConflictPolicy: 'USE_EXISTING',
        staticSummary: `rebound circuit breaker of ${type} on ${taskQueue}`,
      });
      const request = { mode, by: options.by?.trim() || defaultActor(), ...(options.reason ? { reason: options.reason } : {}) };
      // An update waits for a worker: say so rather than wait for ever.
      const record = await askWorker(client, taskQueue, {
        what: `the circuit breaker of ${type}`,
        ask: () => client.workflow.executeUpdateWithStart(setBreakerUpdate, { args: [request], startWorkflowOperation }),
      });
      // In the operators' audit log too, beside the other actions.
      await recordAudit(client, taskQueue, [{ action: 'breakerOverride', type, actor: request.by, ...(options.reason ? { reason: options.reason } : {}), detail: { mode } }]);
      return record;
    },
  };
}
