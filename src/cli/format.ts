/**
 * How commands print: JSON documents and lines, plain tables, aligned facts, times and
 * durations for people, and a job's record.
 */
import Table from 'cli-table3';
import ms from 'ms';
import type { JobRecord } from '../client';
import { JobStatus, jobWorkflowId, jobWorkflowType } from '../contract';
import type { ReboundConfig } from '../config';
import type { CliContext } from './context';

const undefinedAsNull = (_key: string, v: unknown): unknown => (v === undefined ? null : v);

/** One JSON document, pretty-printed, with a final newline. */
export function formatJson(value: unknown): string {
  return `${JSON.stringify(value, undefinedAsNull, 2)}\n`;
}

/** One JSON document on one line, with a final newline (JSON Lines). */
export function formatJsonLine(value: unknown): string {
  return `${JSON.stringify(value, undefinedAsNull)}\n`;
}

/** A plain table (no colours, so it reads the same in a terminal, a pipe and a log). */
export function renderTable(head: string[], rows: unknown[][]): string {
  // No rule between rows: a long list stays readable on one screen.
  const table = new Table({ head, style: { head: [], border: [] }, chars: { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' } });
  for (const row of rows) table.push(row.map((value) => cell(value)));
  return table.toString();
}

/** `key  value` lines with the values aligned; rows whose value is undefined are left out. */
export function renderFacts(rows: [string, string | undefined][]): string {
  const shown = rows.filter((r): r is [string, string] => r[1] !== undefined);
  const width = Math.max(0, ...shown.map(([k]) => k.length));
  return shown.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join('\n');
}

/** A table cell: `-` for nothing, JSON for objects, long text cut. */
export function cell(value: unknown, max = 60): string {
  if (value === undefined || value === null || value === '') return '-';
  const text = typeof value === 'string' ? value : typeof value === 'object' ? JSON.stringify(value) : String(value);
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** A duration for people: `850 ms`, `2.4 s`, `3m`. */
export function formatDuration(milliseconds: number | undefined): string | undefined {
  if (milliseconds === undefined) return undefined;
  if (milliseconds < 1_000) return `${Math.round(milliseconds)} ms`;
  if (milliseconds < 60_000) return `${(milliseconds / 1_000).toFixed(1)} s`;
  return ms(milliseconds);
}

/** An ISO time for people: `2025-01-31 12:00:01.123Z`. */
export function formatTime(iso: string | undefined): string | undefined {
  return iso?.replace('T', ' ');
}

/** An ISO time for people, with how long ago it was: `2025-01-31 12:00:01Z (5m ago)`. */
export function formatTimeAgo(iso: string | undefined, now = Date.now()): string | undefined {
  if (!iso) return undefined;
  const at = Date.parse(iso);
  if (Number.isNaN(at)) return iso;
  const shown = new Date(Math.floor(at / 1_000) * 1_000).toISOString().replace('T', ' ').replace('.000Z', 'Z');
  return at > now ? shown : `${shown} (${ms(Math.max(1_000, now - at))} ago)`;
}

/** Who paused a job and why, for people. */
function pausedText(paused: NonNullable<JobRecord['paused']>): string {
  const since = paused.since ? ` since ${formatTimeAgo(paused.since)}` : '';
  return `yes${since}${paused.by ? ` by ${paused.by}` : ''}${paused.reason ? `: ${paused.reason}` : ''} (resume: rebound jobs resume <jobId>)`;
}

/** Where to go from a dead job: the commands that retry or cancel it. */
export function printDeadHints(ctx: CliContext, jobId: string): void {
  ctx.print(`Retry it:  rebound dlq retry ${jobId}    (or edit the payload: --payload '{...}')`);
  ctx.print(`Cancel it: rebound dlq cancel ${jobId}`);
}

/**
 * A job's record as one JSON document (`status --json`, `dlq show --json`, `dlq export`): each
 * attempt with one `time`, and nulls where nothing is known.
 */
export function jobDocument(record: JobRecord): Record<string, unknown> {
  return {
    ...record,
    payload: record.payload ?? null,
    attemptHistory: record.attemptHistory.map((a) => ({ ...a, time: a.endedAt ?? a.startedAt ?? null })),
  };
}

/** A job for people: key facts, the attempt history as a table and, with `stack`, the last failure's stack. */
/** The Temporal Web UI's address, when known: `REBOUND_UI_URL`, or the dev server's own UI when the address is the dev server's default. */
export function webUiUrl(config: Pick<ReboundConfig, 'address'>, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const given = env.REBOUND_UI_URL?.trim();
  if (given) return given.replace(/\/+$/, '');
  return ['127.0.0.1:7233', 'localhost:7233'].includes(config.address) ? 'http://127.0.0.1:8233' : undefined;
}

/** A link that opens a job's workflow in the Web UI. */
export function jobUiLink(uiUrl: string, namespace: string, workflowId: string): string {
  return `${uiUrl}/namespaces/${encodeURIComponent(namespace)}/workflows/${encodeURIComponent(workflowId)}`;
}

/** A link that opens the Web UI's list on a task queue's dead jobs. */
export function deadJobsUiLink(uiUrl: string, namespace: string, taskQueue: string): string {
  const query = `WorkflowType="${jobWorkflowType}" AND JobStatus="${JobStatus.DeadLettered}" AND TaskQueue="${taskQueue}"`;
  return `${uiUrl}/namespaces/${encodeURIComponent(namespace)}/workflows?query=${encodeURIComponent(query)}`;
}

/** Tags for people: `plugin=sql userId=u1`; undefined for none. */
export function formatTags(tags: Record<string, string> | undefined): string | undefined {
  const entries = Object.entries(tags ?? {}).sort(([a], [b]) => a.localeCompare(b));
  return entries.length === 0 ? undefined : entries.map(([k, v]) => `${k}=${v}`).join(' ');
}

/** A job for people: key facts (with a link to its page in the Web UI, given one), the attempt history as a table and, with `stack`, the last failure's stack. */
export function printJob(ctx: CliContext, record: JobRecord, { stack = false, uiLink }: { stack?: boolean; uiLink?: string } = {}): void {
  // A record without a retry policy came from the server's search attributes: no worker answered the query.
  const fromQuery = !record.indexedOnly;
  const dead = record.status === JobStatus.DeadLettered;
  ctx.print(
    renderFacts([
      ['Job', record.jobId],
      ['Type', record.type],
      ['Status', record.status],
      ['Tags', formatTags(record.tags)],
      ['Workflow', record.workflowId ?? jobWorkflowId(record.jobId)],
      ['Attempts', fromQuery ? `${record.attempts} in round ${record.round} (${record.totalAttempts} in all)` : String(record.attempts)],
      ['Payload', fromQuery ? JSON.stringify(record.payload ?? null) : undefined],
      ['Result', record.status === JobStatus.Succeeded && fromQuery ? JSON.stringify(record.result ?? null) : undefined],
      ['Last error', record.errorType && record.status !== JobStatus.Succeeded ? `${record.errorType}${record.message ? `: ${record.message}` : ''}` : undefined],
      ['Dead since', dead ? formatTimeAgo(record.deadLetteredAt) : undefined],
      ['Expires', dead ? formatTime(record.expiresAt) : undefined],
      ['Reason', record.reason],
      [
        'Waiting for',
        record.breakerWait
          ? `the circuit breaker of ${record.type} (since ${formatTime(record.breakerWait.since)}, ${record.breakerWait.refusals} attempt(s) refused; looks again by ${formatTime(record.breakerWait.retryAt)})`
          : undefined,
      ],
      ['Auto-redrive', record.autoRedriveAt ? `at ${formatTime(record.autoRedriveAt)}${record.autoRedrives ? ` (redriven ${record.autoRedrives} time(s) before)` : ''}` : record.autoRedrives ? `redriven ${record.autoRedrives} time(s)` : undefined],
      ['Paused', record.paused ? pausedText(record.paused) : undefined],
      ['Next attempt', record.nextAttemptAt ? formatTime(record.nextAttemptAt) : undefined],
      ['Runs at', record.runAt ? formatTime(record.runAt) : undefined],
      ['Web UI', uiLink],
    ]),
  );
  if (record.status === JobStatus.Scheduled) {
    ctx.print('(Scheduled: the server starts it at its time; until then it has run no code. Cancel it with `rebound jobs cancel <jobId>`.)');
    return;
  }
  if (!fromQuery) {
    ctx.print('(No worker answered, so this is what the server indexed; run a worker to see the payload and attempts.)');
    return;
  }
  if (record.attemptHistory.length > 0) {
    ctx.print('');
    ctx.print(`Attempt history${record.attemptsDropped ? ` (the ${record.attemptsDropped} oldest attempts not kept)` : ''}:`);
    ctx.printTable(
      ['Round', 'Attempt', 'Outcome', 'Error type', 'Message', 'Started', 'Delay before next'],
      record.attemptHistory.map((a) => [
        a.round,
        a.attempt,
        a.outcome,
        a.errorType,
        cell(a.message, 50),
        formatTime(a.startedAt),
        formatDuration(a.nextDelayMs),
      ]),
    );
  }
  if (record.timeline.length > 0) {
    ctx.print('');
    ctx.print(`Timeline${record.timelineDropped ? ` (${record.timelineDropped} events in the middle not kept)` : ''}:`);
    ctx.printTable(
      ['Time', 'Event', 'By', 'Reason', 'Detail'],
      record.timeline.map((t) => [
        formatTime(t.at),
        t.event,
        t.actor,
        cell(t.reason, 40),
        cell([t.detail !== t.reason ? t.detail : undefined, t.changes?.length ? `changed ${t.changes.map((c) => c.path).join(', ')}` : undefined].filter(Boolean).join('; '), 60),
      ]),
    );
  }
  const last = [...record.attemptHistory].reverse().find((a) => a.stack);
  if (stack && last) {
    ctx.print('');
    ctx.print(`Stack of the last failure (round ${last.round}, attempt ${last.attempt}):`);
    ctx.print(last.stack);
  }
  if (dead) {
    ctx.print('');
    printDeadHints(ctx, record.jobId);
  }
}
