/**
 * A job's page: status, payload, every attempt with its error, duration, delay and stack, the
 * timeline, each round's payload, a link to the Web UI, and its actions: on a dead job retry,
 * retry with an edited payload, and cancel; on one that has not settled cancel, and, between
 * attempts, run the next attempt now, pause and resume.
 */
import type { JobRecord } from '../client';
import { JobStatus, runningStatuses, type AttemptRecord } from '../contract';
import { webUiJobUrl, type ConsoleContext } from './console-context';
import { layout, type PageContext } from './page-layout';
import { ago, clock, duration, html, statusBadge, timeAgo, when, type Html } from './page-html';

const pretty = (value: unknown) => JSON.stringify(value ?? null, null, 2);

function facts(record: JobRecord): Html {
  const dead = record.status === JobStatus.DeadLettered;
  const rows: [string, Html | string | undefined][] = [
    ['Type', record.type],
    ['Status', statusBadge(record.status)],
    ['Tags', Object.keys(record.tags ?? {}).length > 0 ? html`<span class="mono">${Object.entries(record.tags ?? {}).map(([k, v]) => `${k}=${v}`).join(' ')}</span>` : undefined],
    ['Round', record.indexedOnly ? undefined : String(record.round)],
    ['Attempts', record.indexedOnly ? String(record.attempts) : `${record.attempts} in this round, ${record.totalAttempts} in all`],
    ['Dead since', dead ? timeAgo(record.deadLetteredAt) : undefined],
    ['Expires', dead && record.expiresAt ? html`<time datetime="${record.expiresAt}" title="${when(record.expiresAt)}">${ago(record.expiresAt)}</time>` : undefined],
    ['Retry policy', record.retry ? `at most ${record.retry.maximumAttempts} attempts, from ${duration(record.retry.initialIntervalMs)} ×${record.retry.backoffCoefficient} up to ${duration(record.retry.maximumIntervalMs)}` : undefined],
    ['Reason', record.reason],
    ['Paused', record.paused ? `since ${record.paused.since ? when(record.paused.since) : '-'}${record.paused.by ? ` by ${record.paused.by}` : ''}${record.paused.reason ? `: ${record.paused.reason}` : ''}` : undefined],
    ['Next attempt', record.nextAttemptAt ? html`<time datetime="${record.nextAttemptAt}" title="${when(record.nextAttemptAt)}">${ago(record.nextAttemptAt)}</time>` : undefined],
    ['Runs at', record.runAt ? html`<time datetime="${record.runAt}" title="${when(record.runAt)}">${ago(record.runAt)}</time>` : undefined],
    ['Workflow', html`<span class="mono">${record.workflowId}</span>`],
  ];
  return html`<dl class="facts">${rows.filter(([, v]) => v !== undefined).map(([k, v]) => html`<div><dt>${k}</dt><dd>${v}</dd></div>`)}</dl>`;
}

/** The buttons of what can be done to the job as it is now. */
function actionButtons(record: JobRecord): Html | undefined {
  if (record.status === JobStatus.DeadLettered) {
    if (record.indexedOnly) return undefined;
    return html`<button type="button" class="primary" data-action="retry">Retry</button>
  <button type="button" class="danger" data-action="cancel">Cancel job</button>`;
  }
  if (record.status !== JobStatus.Scheduled && !runningStatuses.includes(record.status)) return undefined;
  // Between attempts: its next attempt can be run now, or held until resumed.
  const waiting = record.nextAttemptAt
    ? html`<button type="button" class="primary" data-action="retry-now">Run next attempt now</button>
  <button type="button" class="secondary" data-action="pause">Pause</button>`
    : '';
  return html`${record.paused ? html`<button type="button" class="primary" data-action="resume">Resume</button>` : waiting}
  <button type="button" class="danger" data-action="cancel">Cancel job</button>`;
}

function actions(ctx: PageContext, record: JobRecord): Html {
  const buttons = ctx.readOnly ? undefined : actionButtons(record);
  if (!buttons) return html``;
  return html`<div class="button-row job-actions" id="job-actions">
  ${buttons}
</div>
<p class="form-error" id="action-error" role="alert" hidden></p>
<p class="notice notice-info" id="action-status" role="status" hidden></p>`;
}

function payloadEditor(ctx: PageContext, record: JobRecord): Html {
  if (ctx.readOnly || record.status !== JobStatus.DeadLettered || record.indexedOnly) return html``;
  if (!ctx.canEditPayload) {
    return html`<p class="muted small">To edit the payload and retry, start the console with your job types (<code>--jobs &lt;module&gt;</code>): an edited payload is checked against its type's schema.</p>`;
  }
  return html`<details class="edit-payload" id="edit-payload"><summary>Edit payload and retry</summary>
  <label class="field"><span>Payload (JSON), checked against the schema of <strong>${record.type}</strong></span><textarea id="payload-editor" rows="8" spellcheck="false">${pretty(record.payload)}</textarea></label>
  <label class="field"><span>Reason</span><input id="edit-reason" placeholder="why (kept in the job's timeline)"></label>
  <p class="form-error" id="edit-error" role="alert" hidden></p>
  <button type="button" class="primary" id="retry-edited">Retry with this payload</button>
</details>`;
}

function attemptRow(a: AttemptRecord, i: number, all: AttemptRecord[]): Html {
  const took = a.startedAt && a.endedAt ? Date.parse(a.endedAt) - Date.parse(a.startedAt) : undefined;
  const firstOfRound = i > 0 && all[i - 1].round !== a.round;
  return html`<tr data-round="${a.round}" data-attempt="${a.attempt}"${firstOfRound ? html` class="round-start"` : ''}>
<td class="num inline-sm" data-label="Round">${a.round}</td><td class="num inline-sm" data-label="Attempt">${a.attempt}</td><td class="inline-sm"><span class="outcome outcome-${a.outcome.toLowerCase()}">${a.outcome}</span></td>
<td class="error-cell">${a.errorType ? html`<span class="error-type">${a.errorType}</span> ` : ''}<span class="error-message attempt-error">${a.message ?? ''}</span>${a.nonRetryable ? html` <span class="tag">not retryable</span>` : ''}
${a.stack ? html`<details class="stack"><summary>Stack</summary><pre>${a.stack}</pre></details>` : ''}</td>
<td class="nowrap inline-sm" data-label="Started">${a.startedAt ? html`<time datetime="${a.startedAt}" title="${when(a.startedAt)}">${clock(a.startedAt)}</time>` : '-'}</td>
<td class="num inline-sm" data-label="Took">${duration(took)}</td><td class="num inline-sm" data-label="Next after">${a.nextDelayMs === undefined ? '-' : duration(a.nextDelayMs)}</td></tr>`;
}

function attemptsCard(record: JobRecord): Html {
  if (record.attemptHistory.length === 0) return html`<section class="card"><h2>Attempts</h2><p class="empty">No attempt recorded yet.</p></section>`;
  return html`<section class="card"><div class="card-head"><h2>Attempts</h2>${record.attemptsDropped ? html`<span class="muted small">the ${record.attemptsDropped} oldest are not kept</span>` : ''}</div>
<div class="table-wrap"><table class="attempts stack-sm" id="attempts">
<thead><tr><th scope="col" class="num">Round</th><th scope="col" class="num">#</th><th scope="col">Outcome</th><th scope="col">Error</th><th scope="col">Started (UTC)</th><th scope="col" class="num">Took</th><th scope="col" class="num">Delay before next</th></tr></thead>
<tbody>${record.attemptHistory.map(attemptRow)}</tbody></table></div></section>`;
}

function timelineCard(record: JobRecord): Html {
  return html`<section class="card"><h2>Timeline</h2><ol class="timeline">${record.timeline.map(
    (e) =>
      html`<li class="tl-${e.event.toLowerCase()}"><time datetime="${e.at}" title="${when(e.at)}">${when(e.at)}</time> <strong>${e.event}</strong>${e.actor ? html` by <span class="tl-actor">${e.actor}</span>` : ''}${
        e.detail ? html` <span class="muted">${e.detail}</span>` : ''
      }${e.reason && e.reason !== e.detail ? html` <span class="muted tl-reason">${e.reason}</span>` : ''}${e.changes?.length ? html` <span class="muted small tl-changes">changed ${e.changes.map((c) => c.path).join(', ')}</span>` : ''}</li>`,
  )}</ol></section>`;
}

function roundsCard(record: JobRecord, rounds: Map<number, unknown>): Html {
  if (record.round < 2) return html``;
  const known = new Map(rounds);
  known.set(record.round, record.payload);
  const text = (r: number) => pretty(known.get(r));
  const label = (r: number) => {
    if (r === 1 || !known.has(r - 1)) return '';
    return text(r - 1) === text(r) ? html` <span class="muted">same as round ${r - 1}</span>` : html` <span class="tag">changed</span>`;
  };
  return html`<section class="card"><h2>Payload of each round</h2>${Array.from({ length: record.round }, (_, i) => i + 1).map((r) =>
    known.has(r)
      ? html`<details class="round"${r === record.round ? html` open` : ''}><summary>Round ${r}${label(r)}</summary><pre class="json">${text(r)}</pre></details>`
      : html`<p class="muted small">Round ${r}: not known (no longer in the workflow's history).</p>`,
  )}</section>`;
}

/** A job's page. */
export function renderJobPage(ctx: PageContext & Pick<ConsoleContext, 'namespace' | 'uiUrl'>, record: JobRecord, rounds: Map<number, unknown>): Html {
  const lastError = record.errorType && record.status !== JobStatus.Succeeded;
  const body = html`
<div class="page-head job-head" id="job" data-job-id="${record.jobId}" data-status="${record.status}" data-round="${record.round}">
  <div><h1><span class="muted">Job</span> <span class="mono">${record.jobId}</span></h1><p class="muted">${record.type} · ${statusBadge(record.status)}</p></div>
  <a class="button secondary" href="${webUiJobUrl(ctx, record.workflowId)}" target="_blank" rel="noopener noreferrer">Open in Temporal Web UI ↗</a>
</div>
${actions(ctx, record)}
${record.status === JobStatus.Scheduled ? html`<p class="notice">Scheduled: the server starts it at its time; until then it has run no code.</p>` : record.indexedOnly ? html`<p class="notice notice-warn">No worker answered, so this is what the server indexed: run a worker on <strong>${ctx.taskQueue}</strong> to see the payload and the attempts.</p>` : ''}
${lastError ? html`<section class="notice notice-alert last-error"><strong>${record.errorType}</strong>: ${record.message ?? ''}</section>` : ''}
<div class="grid-2">
  <section class="card">${facts(record)}</section>
  <section class="card"><h2>Payload</h2><pre class="json" id="payload">${pretty(record.payload)}</pre>${payloadEditor(ctx, record)}
  ${record.status === JobStatus.Succeeded && !record.indexedOnly ? html`<h2 class="spaced">Result</h2><pre class="json">${pretty(record.result)}</pre>` : ''}</section>
</div>
${record.indexedOnly ? '' : attemptsCard(record)}
${record.indexedOnly ? '' : timelineCard(record)}
${roundsCard(record, rounds)}`;
  return layout(ctx, { title: `Job ${record.jobId}`, section: 'job', body });
}
