/**
 * What workers do for circuit breakers and automatic redrive: read a type's breaker (its
 * workflow's memo, cached a moment) before an attempt, ask a half-open one for a probe, report
 * outcomes and refused jobs (batched: one signal per breaker every 100 ms), wake the jobs a
 * breaker lets through again, and take a redrive time from a type's gate.
 */
import { Context } from '@temporalio/activity';
import { WithStartWorkflowOperation, WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { Logger } from 'pino';
import {
  BreakerStateName,
  breakerProbeUpdate,
  breakerReportSignal,
  breakerWakeSignal,
  breakerWorkflowId,
  breakerWorkflowType,
  redriveGateWorkflowId,
  redriveGateWorkflowType,
  redriveSlotUpdate,
  type BreakerInput,
  type BreakerOutcome,
  type BreakerPolicy,
  type BreakerReport,
  type BreakerStatus,
  type RedriveGateInput,
} from '../src/contract';
import type { JobMetrics } from '../src/metrics';

export interface BreakerDeps {
  logger: Logger;
  /** Counts refused attempts and shows breakers' states. @defaultValue none */
  metrics?: JobMetrics;
  /** How long a worker trusts a breaker's state it read. @defaultValue 1000 ms */
  breakerCacheMs?: number;
}

/** Whether an attempt may run: a refused one says when to look again. */
export type Admission = { admitted: true; probe: boolean } | { admitted: false; state: BreakerStateName; retryAfterMs: number };

/** Where a breaker of a type is: its id, task queue, type and policy. */
export interface BreakerRef {
  client: Client;
  taskQueue: string;
  type: string;
  policy: BreakerPolicy;
}

function startOptions({ taskQueue, type, policy }: Omit<BreakerRef, 'client'>) {
  const input: BreakerInput = { taskQueue, type, policy };
  return { workflowId: breakerWorkflowId(taskQueue, type), taskQueue, args: [input] as [BreakerInput], staticSummary: `rebound circuit breaker of ${type} on ${taskQueue}` };
}

/** The breakers as a worker sees them: states read and cached, reports batched. */
export function createBreakerGate({ logger, metrics, breakerCacheMs = 1_000 }: BreakerDeps) {
  const cache = new Map<string, { at: number; status: Promise<BreakerStatus | undefined> }>();
  const pending = new Map<string, { ref: BreakerRef; report: BreakerReport }>();
  /** When this worker was last told a half-open breaker's probes were all taken, by breaker. */
  const probesTaken = new Map<string, number>();

  const read = (ref: BreakerRef, fresh: boolean): Promise<BreakerStatus | undefined> => {
    const id = breakerWorkflowId(ref.taskQueue, ref.type);
    const hit = cache.get(id);
    const maxAge = fresh ? Math.min(breakerCacheMs, 200) : breakerCacheMs;
    if (hit && Date.now() - hit.at < maxAge) return hit.status;
    const status = ref.client.workflow
      .getHandle(id)
      .describe()
      .then((d) => (d.status.name === 'RUNNING' ? (d.memo?.breaker as BreakerStatus | undefined) : undefined))
      .catch((err: unknown) => {
        if (err instanceof WorkflowNotFoundError) return undefined;
        // A breaker that cannot be read does not stop the work: its attempts run.
        logger.warn({ err, type: ref.type }, 'could not read the circuit breaker; attempts run');
        cache.delete(id);
        return undefined;
      });
    cache.set(id, { at: Date.now(), status });
    return status;
  };

  const flush = async (id: string) => {
    const entry = pending.get(id);
    if (!entry) return;
    pending.delete(id);
    const { ref, report } = entry;
    try {
      await ref.client.workflow.signalWithStart(breakerWorkflowType, { ...startOptions(ref), signal: breakerReportSignal, signalArgs: [report] });
    } catch (err) {
      logger.warn({ err, type: ref.type, outcomes: report.outcomes.length }, 'could not report to the circuit breaker');
    }
  };
  const send = (ref: BreakerRef, add: (report: BreakerReport) => void) => {
    const id = breakerWorkflowId(ref.taskQueue, ref.type);
    let entry = pending.get(id);
    if (!entry) {
      entry = { ref, report: { policy: ref.policy, outcomes: [], waiting: [], refused: 0 } };
      pending.set(id, entry);
      setTimeout(() => void flush(id), 100);
    }
    entry.ref = ref;
    entry.report.policy = ref.policy;
    add(entry.report);
    if (entry.report.outcomes.length + entry.report.waiting.length >= 500) void flush(id);
  };

  return {
    /** Whether an attempt of the type may run now; `fresh` after the job was woken, to not trust an older read. */
    async admit(ref: BreakerRef, fresh: boolean): Promise<Admission> {
      const status = await read(ref, fresh);
      metrics?.breakerState(ref.type, status?.state ?? BreakerStateName.Closed);
      if (!status || status.state === BreakerStateName.Closed) return { admitted: true, probe: false };
      const retryAfter = (ms: number) => Math.max(1_000, ms) * (1 + Math.random() * 0.2);
      if (status.state === BreakerStateName.HalfOpen) {
        const id = breakerWorkflowId(ref.taskQueue, ref.type);
        // The probes are taken: this worker does not ask again until its read of the state is stale.
        const taken = probesTaken.get(id);
        if (taken !== undefined && Date.now() - taken < breakerCacheMs) return { admitted: false, state: status.state, retryAfterMs: retryAfter(ref.policy.cooldownMs) };
        let answer: { granted: boolean; status: BreakerStatus };
        try {
          answer = await ref.client.workflow.getHandle(id).executeUpdate(breakerProbeUpdate, { args: [{ policy: ref.policy }] });
        } catch (err) {
          // As with a breaker that cannot be read: the attempt runs (not as a probe).
          logger.warn({ err, type: ref.type }, 'could not ask the circuit breaker for a probe; the attempt runs');
          return { admitted: true, probe: false };
        }
        if (answer.status.state !== status.state) cache.set(id, { at: Date.now(), status: Promise.resolve(answer.status) });
        if (answer.granted) return { admitted: true, probe: answer.status.state === BreakerStateName.HalfOpen };
        probesTaken.set(id, Date.now());
        return { admitted: false, state: answer.status.state, retryAfterMs: retryAfter(ref.policy.cooldownMs) };
      }
      const until = status.halfOpenAt ? Date.parse(status.halfOpenAt) - Date.now() : ref.policy.cooldownMs;
      return { admitted: false, state: status.state, retryAfterMs: retryAfter(until) };
    },
    /** Reports an attempt's outcome; never waits for the breaker. */
    outcome(ref: BreakerRef, outcome: BreakerOutcome['outcome'], probe: boolean): void {
      send(ref, (r) => r.outcomes.push({ at: new Date().toISOString(), outcome, ...(probe ? { probe } : {}) }));
    },
    /** Reports a refused attempt, and its job to wake when attempts may run again. */
    refused(ref: BreakerRef, workflowId: string | undefined): void {
      metrics?.attemptRefused(ref.type);
      send(ref, (r) => {
        r.refused++;
        if (workflowId) r.waiting.push(workflowId);
      });
    },
  };
}

export type BreakerGate = ReturnType<typeof createBreakerGate>;

/** Makes the activities of breakers and redrive gates. */
export function createBreakerActivities({ logger }: Pick<BreakerDeps, 'logger'>) {
  return {
    /** Tells waiting jobs their breaker lets attempts through again; a job that ended meanwhile is skipped. */
    async wakeBreakerWaiters({ workflowIds }: { workflowIds: string[] }): Promise<void> {
      const ctx = Context.current();
      const start = typeof ctx.info.heartbeatDetails === 'number' ? ctx.info.heartbeatDetails : 0;
      for (let i = start; i < workflowIds.length; i += 20) {
        await Promise.all(
          workflowIds.slice(i, i + 20).map((id) =>
            ctx.client.workflow
              .getHandle(id)
              .signal(breakerWakeSignal)
              .catch((err: unknown) => {
                if (!(err instanceof WorkflowNotFoundError)) throw err;
              }),
          ),
        );
        ctx.heartbeat(i + 20);
      }
      logger.debug({ jobs: workflowIds.length }, 'woke jobs waiting for a circuit breaker');
    },

    /** The time at which a dead job of `type` may be redriven, from the type's gate (started when idle). */
    async takeRedriveSlot({ type, ratePerSecond }: { type: string; ratePerSecond: number }): Promise<string> {
      const ctx = Context.current();
      const { taskQueue } = ctx.info;
      const input: RedriveGateInput = { taskQueue, type };
      const startWorkflowOperation = new WithStartWorkflowOperation(redriveGateWorkflowType, {
        workflowId: redriveGateWorkflowId(taskQueue, type),
        taskQueue,
        args: [input],
        workflowIdConflictPolicy: 'USE_EXISTING',
        staticSummary: `rebound automatic redrive of ${type} on ${taskQueue}`,
      });
      const { at } = await ctx.client.workflow.executeUpdateWithStart(redriveSlotUpdate, { args: [{ ratePerSecond }], startWorkflowOperation });
      return at;
    },
  };
}
