/**
 * The audit trail of operator actions: who acted (by default the OS user), what an edited
 * payload changed (its JSON paths), and recording an entry in the task queue's dead-letter-queue
 * workflow, whose audit log outlives the jobs (deletions included).
 */
import { userInfo } from 'node:os';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { auditQuery, auditSignal, deadLetterWorkflowId, limits, trimText, type AuditEntry, type PayloadChange } from '../contract';
import { askWorker } from '../client';
import { signalDeadLetterQueue } from './dead-letter-queue';

/** The actor recorded when none is given: the OS user running the process (`USER` when it has no entry), or `unknown`. */
export function defaultActor(): string {
  try {
    return userInfo().username || 'unknown';
  } catch {
    return process.env.USER ?? process.env.USERNAME ?? 'unknown';
  }
}

/** Changed paths an entry keeps, at most; the rest are summed up in one `…` entry. */
export const changesLimit = 50;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const childPath = (path: string, key: string) => (/^[A-Za-z_$][\w$]*$/.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`);

/**
 * The JSON paths where `after` differs from `before` (`$` is the payload itself; `$.a.b`,
 * `$.items[2]`, `$["odd key"]` below it), each added, removed or changed; deepest first found,
 * in key order. Values are not returned: they may be personal data.
 */
export function payloadChanges(before: unknown, after: unknown, path = '$'): PayloadChange[] {
  if (Array.isArray(before) && Array.isArray(after)) {
    const out: PayloadChange[] = [];
    for (let i = 0; i < Math.max(before.length, after.length); i++) {
      const p = `${path}[${i}]`;
      if (i >= before.length) out.push({ path: p, kind: 'added' });
      else if (i >= after.length) out.push({ path: p, kind: 'removed' });
      else out.push(...payloadChanges(before[i], after[i], p));
    }
    return out;
  }
  if (isObject(before) && isObject(after)) {
    const out: PayloadChange[] = [];
    for (const key of [...new Set([...Object.keys(before), ...Object.keys(after)])].sort()) {
      const p = childPath(path, key);
      if (!(key in before) || before[key] === undefined) {
        if (after[key] !== undefined) out.push({ path: p, kind: 'added' });
      } else if (!(key in after) || after[key] === undefined) out.push({ path: p, kind: 'removed' });
      else out.push(...payloadChanges(before[key], after[key], p));
    }
    return out;
  }
  return JSON.stringify(before) === JSON.stringify(after) ? [] : [{ path, kind: 'changed' }];
}

/** At most {@link changesLimit} changes, the rest counted in a last entry. */
export function boundedChanges(changes: PayloadChange[]): PayloadChange[] {
  if (changes.length <= changesLimit) return changes;
  return [...changes.slice(0, changesLimit - 1), { path: `… ${changes.length - changesLimit + 1} more`, kind: 'changed' }];
}

/** What an entry is given to {@link recordAudit}: `at` and `actor` are filled in when missing. */
export type AuditEntryInput = Omit<AuditEntry, 'at' | 'actor'> & { at?: string; actor?: string };

/**
 * Records operator actions in the audit log of `taskQueue`'s dead-letter queue (starting the
 * queue's workflow if it is not running): `at` defaults to now, `actor` to the OS user, a reason is
 * cut to the limit of messages, and an edited payload's changes to {@link changesLimit} paths.
 * Needs no worker: the server keeps the signal until one runs the queue.
 */
export async function recordAudit(client: Client, taskQueue: string, entries: AuditEntryInput[]): Promise<AuditEntry[]> {
  const now = new Date().toISOString();
  const recorded = entries.map(
    (e): AuditEntry => ({
      ...e,
      at: e.at ?? now,
      actor: e.actor?.trim() || defaultActor(),
      ...(e.reason !== undefined ? { reason: trimText(e.reason, limits.messageChars) } : {}),
      ...(e.changes !== undefined ? { changes: boundedChanges(e.changes) } : {}),
    }),
  );
  if (recorded.length > 0) await signalDeadLetterQueue(client, taskQueue, auditSignal, { entries: recorded });
  return recorded;
}

/** The audit log of `taskQueue`'s dead-letter queue, oldest first (a worker answers; a queue never started has none). */
export async function readAuditLog(client: Client, taskQueue: string, filter: { jobId?: string; since?: Date } = {}): Promise<AuditEntry[]> {
  const handle = client.workflow.getHandle(deadLetterWorkflowId(taskQueue));
  const args = { jobId: filter.jobId, since: filter.since?.toISOString() };
  try {
    return await askWorker(client, taskQueue, {
      what: "the dead-letter queue's audit log",
      ask: () => handle.query(auditQuery, args),
      whenNoWorker: () => handle.describe().then(() => undefined),
    });
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return [];
    throw err;
  }
}
