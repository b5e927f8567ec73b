/**
 * An event retry table, rebuilt on rebound.
 *
 * The system it replaces keeps a row per event to deliver, each with its own maximum of retries,
 * delay and multiplier, and a priority from 1 to 10 (10 most urgent). Workers lock the rows they
 * take (`locked_by`, `locked_at`); a lock older than a timeout is stale, and its row is taken
 * again. A cleanup job deletes old rows. Operators look at a stats view (rows by status and event
 * type) and an alerts view.
 *
 * On rebound: one job type per event type, one job per event, submitted with the row's own retry
 * settings (`retry: { maximumAttempts: maxRetries + 1, initialInterval: delay, backoffCoefficient:
 * multiplier }`) and its priority mapped onto the server's 1 (first) to 5 (last):
 *
 *   table priority   10 9   8 7   6 5   4 3   2 1
 *   server priority    1     2     3     4     5
 *
 * (`serverPriority` below: 6 - ceil(p / 2). A table where 1 is the most urgent maps with
 * ceil(p / 2) instead.) The lock is the attempt itself: an attempt that stops making progress
 * (its worker died or hung) is given up after the type's `timeout` (a worker that dies is noticed
 * sooner, after `heartbeatTimeout`), and the event is attempted again, the lost attempt counted.
 * Cleanup is the job type's `retention`: a dead event is kept that long, then expires. The stats
 * view is `admin.jobStats` (events by type and status, with success and retry rates), the rows
 * themselves `admin.listJobs`, both narrowed to this run's events by their `run` tag; the alerts
 * view is the dead-letter queue's alerts.
 * Time is scaled down: retention is 5 s here (days in production).
 *
 *   npx tsx examples/event-retry.ts      (against `rebound dev`, or TEMPORAL_ADDRESS)
 */
import { z } from 'zod';
import { JobStatus, defineJob, type JobRecord, type JobStats, type JobSummary, type SubmitOptions } from '../src';
import { delaysOf, describeJob, runAsProgram, runExample, waitFor, type ExampleOptions, type ExampleResult } from './support';

/** The server's priority (1 first, 5 last) of a table priority (1 to 10, 10 most urgent). */
export function serverPriority(tablePriority: number): number {
  if (!(Number.isInteger(tablePriority) && tablePriority >= 1 && tablePriority <= 10)) {
    throw new RangeError(`an event's priority must be a whole number from 1 to 10, got ${tablePriority}`);
  }
  return 6 - Math.ceil(tablePriority / 2);
}

/** A row of the event table: the event and how it is retried. */
export interface EventRow {
  id: string;
  eventType: 'order-created' | 'payment-captured' | 'webhook-deliver';
  payload: Record<string, unknown>;
  maxRetries: number;
  delayMs: number;
  multiplier: number;
  /** 1 to 10, 10 most urgent. */
  priority: number;
}

/** Submit options of a row: its own retry settings, exact delays (the table has no jitter), its priority. */
export function submitOptionsOf(row: EventRow, jobId: string, tags: Record<string, string> = {}): SubmitOptions {
  return {
    jobId,
    tags,
    priority: serverPriority(row.priority),
    retry: { maximumAttempts: row.maxRetries + 1, initialInterval: row.delayMs, backoffCoefficient: row.multiplier, maximumInterval: '1h', jitter: { ratio: 0 } },
  };
}

/** A timeout of the payment gateway: retried. */
export class GatewayTimeoutError extends Error {
  override name = 'GatewayTimeoutError';
}
/** The webhook's endpoint answered 500: retried. */
export class WebhookFailedError extends Error {
  override name = 'WebhookFailedError';
}

/** The flaky dependencies: the payment gateway and the webhook endpoints. */
class Downstream {
  /** Calls that fail before one works, per event id. */
  readonly failuresLeft = new Map<string, number>();
  /** Events whose first attempt hangs, as if its worker froze while holding the event. */
  readonly hangOnce = new Set<string>();
  /** Webhook URLs that always answer 500. */
  readonly broken = new Set<string>();

  async deliver(row: { id: string; url?: unknown }, signal: AbortSignal): Promise<void> {
    if (this.hangOnce.delete(row.id)) {
      // Until the attempt is given up: then, as `fetch` does with its signal, reject with the reason.
      await new Promise((_resolve, reject) => signal.addEventListener('abort', () => reject(signal.reason), { once: true }));
    }
    const left = this.failuresLeft.get(row.id) ?? 0;
    if (left > 0) {
      this.failuresLeft.set(row.id, left - 1);
      throw new GatewayTimeoutError(`payment gateway timed out for event ${row.id}`);
    }
    if (typeof row.url === 'string' && this.broken.has(row.url)) throw new WebhookFailedError(`${row.url} answered 500`);
  }
}

/** Retention of dead events: the cleanup. */
const retention = '5s';
/** How long an attempt may hold an event before it is given up (the stale-lock timeout). */
const lockTimeout = '1s';

function eventJobs(downstream: Downstream) {
  const schema = z.looseObject({ id: z.string() });
  return (['order-created', 'payment-captured', 'webhook-deliver'] as const).map((eventType) =>
    defineJob({
      type: `event.${eventType}`,
      schema,
      timeout: lockTimeout,
      heartbeatTimeout: lockTimeout,
      retention,
      async handler(event, ctx) {
        await downstream.deliver(event, ctx.signal);
        return { delivered: event.id, attempt: ctx.attempt };
      },
    }),
  );
}

const percent = (rate: number | null) => (rate === null ? '-' : `${Math.round(rate * 100)}%`);

/** The stats view: events by type and status, with success and retry rates. */
function statsView(stats: JobStats): string[] {
  return Object.entries(stats.byType).map(
    ([type, c]) =>
      `  ${type.padEnd(24)} succeeded ${c.succeeded}, dead ${c.deadLettered}, expired ${c.expired}, running ${c.running + c.retrying + c.scheduled}; success ${percent(c.successRate)}, retried ${percent(c.retryRate)}`,
  );
}

/** The rows view: one line an event. */
function rowsView(items: JobSummary[]): string[] {
  return items.map((j) => `  ${j.jobId.padEnd(22)} ${j.type.padEnd(24)} ${j.status.padEnd(12)} ${j.attempts ?? '-'} attempt(s)${j.errorType ? `, ${j.errorType}` : ''}`);
}

/** Whether the stats count, per type, what the records say. */
function statsMatch(stats: JobStats, rows: EventRow[], records: JobRecord[]): boolean {
  const types = [...new Set(rows.map((row) => `event.${row.eventType}`))];
  return types.every((type) => {
    const mine = records.filter((_, i) => `event.${rows[i].eventType}` === type);
    const c = stats.byType[type];
    const count = (status: JobStatus) => mine.filter((r) => r.status === status).length;
    return (
      c !== undefined &&
      c.total === mine.length &&
      c.succeeded === count(JobStatus.Succeeded) &&
      c.deadLettered === count(JobStatus.DeadLettered) &&
      c.expired === count(JobStatus.Expired) &&
      c.retried === mine.filter((r) => r.totalAttempts > 1).length
    );
  });
}

/** Runs the example; see the file's documentation. */
export async function main(options: ExampleOptions = {}): Promise<ExampleResult> {
  const downstream = new Downstream();
  const jobTypes = eventJobs(downstream);
  const deadAlert = 'deadNow:event.webhook-deliver';

  return runExample(
    {
      name: 'event-retry',
      title: 'An event retry table: per-event retries, delay and multiplier; priorities 1-10 on the server\'s 1-5; stale locks; cleanup; stats and alerts',
      jobs: jobTypes,
      // The alerts view: one dead webhook event is one too many.
      alerts: { thresholds: { deadNowByType: { 'event.webhook-deliver': 1 } } },
      async story({ client, jobs, admin, run, print, check }) {
        const rows: EventRow[] = [
          { id: `${run}-1001`, eventType: 'order-created', payload: { orderId: 1001 }, maxRetries: 3, delayMs: 100, multiplier: 2, priority: 9 },
          { id: `${run}-1002`, eventType: 'payment-captured', payload: { paymentId: 'pay_1002' }, maxRetries: 3, delayMs: 200, multiplier: 3, priority: 5 },
          { id: `${run}-1003`, eventType: 'webhook-deliver', payload: { url: 'https://hooks.example/ok' }, maxRetries: 2, delayMs: 100, multiplier: 2, priority: 2 },
          { id: `${run}-1004`, eventType: 'webhook-deliver', payload: { url: 'https://hooks.example/broken' }, maxRetries: 1, delayMs: 100, multiplier: 2, priority: 7 },
        ];
        const [order, payment, webhook, broken] = rows;
        downstream.failuresLeft.set(payment.id, 2);
        downstream.hangOnce.add(webhook.id);
        downstream.broken.add('https://hooks.example/broken');
        const ids = Object.fromEntries(rows.map((row) => [row.id.split('-').pop()!, `event-${row.id}`]));
        const tags = { run };

        const handles = await Promise.all(rows.map((row) => jobs.submit(`event.${row.eventType}`, { id: row.id, ...row.payload }, submitOptionsOf(row, `event-${row.id}`, tags))));
        print('Submitted 4 events: an order (fine), a payment (the gateway times out twice), a webhook whose first worker hangs, a webhook to a broken endpoint.');
        const records = await Promise.all(handles.map((h) => h.settled()));
        rows.forEach((row, i) => print(describeJob(`${row.eventType} ${row.id.split('-').pop()}`, records[i])));
        const [orderDone, paymentDone, webhookDone, brokenDead] = records;

        const priorities = await Promise.all(handles.map(async (h) => (await client.workflow.getHandle(h.workflowId).describe()).priority?.priorityKey));
        print(`  priorities on the server: ${rows.map((row, i) => `${row.priority} -> ${priorities[i]}`).join(', ')}`);
        check(rows.every((row, i) => priorities[i] === serverPriority(row.priority)), 'each event runs at its table priority mapped onto the server\'s 1-5');
        check(orderDone.status === JobStatus.Succeeded && orderDone.attempts === 1, `order ${order.id} was delivered at once`);
        check(
          paymentDone.status === JobStatus.Succeeded && paymentDone.attempts === 3 && JSON.stringify(delaysOf(paymentDone)) === JSON.stringify([200, 600]),
          `payment ${payment.id} was delivered at its third attempt, after its own delays (200 ms, then x3)`,
        );
        check(webhookDone.status === JobStatus.Succeeded && webhookDone.attempts === 2 && webhookDone.attemptHistory[0]?.outcome === 'Lost', `webhook ${webhook.id}: the hung attempt's lock went stale, and the next attempt delivered it`);
        check(brokenDead.status === JobStatus.DeadLettered && brokenDead.attempts === broken.maxRetries + 1, `webhook ${broken.id} gave up after its ${broken.maxRetries} retry`);

        print('\nStats view (events by type and status):');
        // Counts follow the jobs by a moment: wait until they have every event settled.
        const stats = await waitFor(async () => {
          const counted = await admin.jobStats({ tags });
          return statsMatch(counted, rows, records) && counted;
        }, 'the stats to count every event').catch(() => admin.jobStats({ tags }));
        for (const line of statsView(stats)) print(line);
        check(statsMatch(stats, rows, records), 'the stats count each type\'s events by status and retries as their records say');
        const deadRows = await waitFor(async () => {
          const page = await admin.listJobs({ tags, status: JobStatus.DeadLettered });
          return page.items.length > 0 && page.items;
        }, 'the dead event to be listed');
        print('Rows view (dead events):');
        for (const line of rowsView(deadRows)) print(line);
        check(deadRows.length === 1 && deadRows[0].jobId === ids['1004'] && deadRows[0].errorType === 'WebhookFailedError', 'the dead rows are the broken webhook\'s alone');
        const firing = await waitFor(async () => {
          const stats = await admin.stats();
          return stats.firing.includes(deadAlert) && stats.firing;
        }, 'the dead webhook alert');
        print(`Alerts view: ${firing.join(', ')}`);
        check(firing.includes(deadAlert), 'the dead webhook raised its alert');

        print(`\nCleanup: a dead event is kept ${retention}, then expires.`);
        const expired = await waitFor(async () => {
          const record = await jobs.status(ids['1004']);
          return record.status === JobStatus.Expired && record;
        }, 'the dead webhook event to expire');
        print(describeJob(`webhook-deliver ${broken.id.split('-').pop()}`, expired));
        const after = await waitFor(async () => {
          const stats = await admin.stats();
          return !stats.firing.includes(deadAlert) && stats;
        }, 'the alert to recover');
        print(`Alerts view: ${after.firing.length === 0 ? 'none firing' : after.firing.join(', ')}`);
        check(expired.status === JobStatus.Expired, 'the old dead event was cleaned up');
        const cleaned = await waitFor(async () => {
          const counted = await admin.jobStats({ tags });
          return counted.byType['event.webhook-deliver']?.expired === 1 && counted;
        }, 'the stats to count the expired event');
        print('Stats view after the cleanup:');
        for (const line of statsView(cleaned)) print(line);
        check(cleaned.total.deadLettered === 0 && cleaned.total.expired === 1 && cleaned.total.total === rows.length, 'the stats count it expired, no event dead any more');
        check(!after.firing.includes(deadAlert), 'the alert recovered once it was gone');
        return ids;
      },
    },
    options,
  );
}

if (require.main === module) runAsProgram(main);
