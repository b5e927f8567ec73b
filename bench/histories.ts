/**
 * Reading workflow histories for the benchmark: events and encoded bytes of one history, and a
 * wait until a running workflow's history stops growing.
 */
import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { sleep } from './load';

/** A history's size. */
export interface HistorySize {
  events: number;
  bytes: number;
  /** Events per type, e.g. `ACTIVITY_TASK_SCHEDULED: 2`. */
  byType: Record<string, number>;
}

/** Events and encoded size of a workflow's history (its latest run). */
export async function historySize(client: Client, workflowId: string): Promise<HistorySize> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  const byType: Record<string, number> = {};
  for (const event of history.events ?? []) {
    const name = (temporal.api.enums.v1.EventType[event.eventType ?? 0] ?? 'UNKNOWN').replace(/^EVENT_TYPE_/, '');
    byType[name] = (byType[name] ?? 0) + 1;
  }
  const bytes = temporal.api.history.v1.History.encode(temporal.api.history.v1.History.fromObject(history)).finish().length;
  return { events: history.events?.length ?? 0, bytes, byType };
}

/** Waits until a workflow's history length held still for `quietMs` (at most `timeoutMs`); returns the length. */
export async function settledHistoryLength(client: Client, workflowId: string, quietMs = 1_500, timeoutMs = 20_000): Promise<number> {
  const start = Date.now();
  let last = -1;
  let since = Date.now();
  while (Date.now() - start < timeoutMs) {
    const { historyLength } = await client.workflow.getHandle(workflowId).describe();
    if (historyLength !== last) {
      last = historyLength;
      since = Date.now();
    } else if (Date.now() - since >= quietMs) {
      return last;
    }
    await sleep(250);
  }
  return last;
}
