/**
 * The dead-jobs page (a filtered, paged table, and bulk retry or cancel of the filter) and the
 * failure-groups page.
 */
import type { DeadJobFilter, DeadJobPage } from '../admin';
import type { DeadLetterStats, FailureGroup } from '../contract';
import { layout, type PageContext } from './page-layout';
import { cut, href, html, jsonScript, timeAgo, type Html } from './page-html';
import { filterQuery } from './request-input';

/** What the dead-jobs page shows. */
export interface DeadJobsView {
  filter: DeadJobFilter;
  /** The filter as the request gave it (durations such as `2h` kept as typed). */
  given: Record<string, string>;
  page: DeadJobPage;
  pageToken?: string;
  limit: number;
  stats: DeadLetterStats;
  groups: FailureGroup[];
}

function select(name: string, label: string, current: string | undefined, options: [string, string][]): Html {
  const values = current && !options.some(([v]) => v === current) ? [...options, [current, current] as [string, string]] : options;
  return html`<label class="field"><span>${label}</span><select name="${name}"><option value="">Any</option>${values.map(
    ([value, text]) => html`<option value="${value}"${value === current ? html` selected` : ''}>${text}</option>`,
  )}</select></label>`;
}

function filterForm(ctx: PageContext, view: DeadJobsView): Html {
  const { given, stats, groups } = view;
  const named = (counters: Record<string, { deadNow: number }>) =>
    Object.entries(counters)
      .filter(([, c]) => c.deadNow > 0)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([key, c]): [string, string] => [key, `${key} (${c.deadNow})`]);
  return html`<form class="filters card" method="get" action="${ctx.basePath}/jobs" id="filters">
  ${select('type', 'Job type', given.type, named(stats.byType))}
  ${select('errorType', 'Error type', given.errorType, named(stats.byErrorType))}
  ${select('group', 'Failure group', given.group, groups.map((g): [string, string] => [g.id, `${cut(g.example || g.errorType, 40)} (${g.deadNow})`]))}
  <label class="field"><span>Dead since</span><input name="since" value="${given.since ?? ''}" placeholder="2h, 7d or ISO time" autocomplete="off"></label>
  <label class="field"><span>Dead until</span><input name="until" value="${given.until ?? ''}" placeholder="30m or ISO time" autocomplete="off"></label>
  <div class="filter-actions"><button type="submit" class="primary">Filter</button><a class="button secondary" href="${ctx.basePath}/jobs">Clear</a></div>
</form>`;
}

function jobsTable(ctx: PageContext, view: DeadJobsView): Html {
  const { items } = view.page;
  if (items.length === 0) return html`<p class="empty" data-empty="true">${view.pageToken ? 'No more dead jobs.' : 'No dead job matches.'}</p>`;
  return html`<div class="table-wrap"><table class="jobs stack-sm" id="dead-jobs">
<thead><tr><th scope="col">Job</th><th scope="col">Type</th><th scope="col">Error</th><th scope="col" class="num hide-sm">Attempts</th><th scope="col">Dead since</th></tr></thead>
<tbody>${items.map(
    (j) => html`<tr data-job-id="${j.jobId}" data-type="${j.type}" data-error-type="${j.errorType}">
<td><a class="mono" href="${ctx.basePath}/jobs/${encodeURIComponent(j.jobId)}">${cut(j.jobId, 40)}</a></td>
<td data-label="Type">${j.type}</td>
<td class="error-cell"><span class="error-type">${j.errorType}</span> <span class="error-message" title="${j.message}">${cut(j.message, 90)}</span></td>
<td class="num hide-sm" title="${j.totalAttempts} over every round">${j.attempts}${j.round > 1 ? html` <span class="muted small">round ${j.round}</span>` : ''}</td>
<td data-label="Dead since">${timeAgo(j.deadLetteredAt)}</td></tr>`,
  )}</tbody></table></div>`;
}

function pager(ctx: PageContext, view: DeadJobsView): Html {
  const base = { ...view.given, limit: view.limit === 50 ? undefined : String(view.limit) };
  const first = view.pageToken ? html`<a class="button secondary" href="${href(ctx.basePath, '/jobs', base)}">← First page</a>` : '';
  const next = view.page.nextPageToken
    ? html`<a class="button secondary" rel="next" href="${href(ctx.basePath, '/jobs', { ...base, pageToken: view.page.nextPageToken })}">Next page →</a>`
    : '';
  return first || next ? html`<nav class="pager" aria-label="Pages">${first}${next}</nav>` : html``;
}

function bulkPanel(ctx: PageContext, view: DeadJobsView): Html {
  if (ctx.readOnly) return html``;
  const described = Object.entries(view.given).map(([k, v]) => `${k} ${v}`).join(', ') || 'every dead job';
  return html`<section class="card bulk" id="bulk" aria-labelledby="bulk-title">
  <script type="application/json" id="bulk-filter">${jsonScript(filterQuery(view.filter))}</script>
  <h2 id="bulk-title">Retry or cancel all that match</h2>
  <p class="muted small">Filter: <strong>${described}</strong>. The selection is fixed when it starts: jobs dead-lettered later are not touched.</p>
  <div class="bulk-form">
    <label class="field"><span>Action</span><select id="bulk-action"><option value="retry">Retry</option><option value="cancel">Cancel</option></select></label>
    <label class="field"><span>Rate (jobs/s)</span><input id="bulk-rate" type="number" min="0.1" max="1000" step="any" value="10"></label>
    <label class="field grow"><span>Reason</span><input id="bulk-reason" placeholder="why (kept in each job's timeline)"></label>
    <div class="filter-actions"><button type="button" id="bulk-count" class="secondary">Count matching jobs</button></div>
  </div>
  <p class="form-error" id="bulk-error" role="alert" hidden></p>
  <div id="bulk-confirm" hidden><p id="bulk-matched"></p><button type="button" id="bulk-start" class="primary">Start</button></div>
  <div id="bulk-progress" hidden>
    <div class="progress" role="progressbar" aria-valuemin="0" aria-valuemax="100" aria-valuenow="0"><div class="bar" id="bulk-bar"></div></div>
    <p id="bulk-status" aria-live="polite"></p>
    <div class="button-row"><button type="button" id="bulk-pause" class="secondary">Pause</button><button type="button" id="bulk-resume" class="secondary" hidden>Resume</button><button type="button" id="bulk-abort" class="danger">Abort</button><a class="button secondary" id="bulk-reload" href="${ctx.basePath}/jobs" hidden>Reload the list</a></div>
  </div>
</section>`;
}

/** The dead-jobs page. */
export function renderDeadJobsPage(ctx: PageContext, view: DeadJobsView): Html {
  const exportHref = href(ctx.basePath, '/api/export', filterQuery(view.filter));
  const body = html`
<div class="page-head"><h1>Dead jobs</h1><a class="button secondary" href="${exportHref}" download>Export JSON Lines</a></div>
${filterForm(ctx, view)}
<section class="card">${jobsTable(ctx, view)}${pager(ctx, view)}</section>
${bulkPanel(ctx, view)}`;
  return layout(ctx, { title: 'Dead jobs', section: 'jobs', body });
}

/** The failure-groups page. */
export function renderGroupsPage(ctx: PageContext, groups: FailureGroup[]): Html {
  const table =
    groups.length === 0
      ? html`<p class="empty">No dead jobs, so no failure groups.</p>`
      : html`<div class="table-wrap"><table class="groups">
<thead><tr><th scope="col">Failure</th><th scope="col">Job types</th><th scope="col" class="num">Dead now</th><th scope="col">First seen</th><th scope="col">Last seen</th></tr></thead>
<tbody>${groups.map(
          (g) => html`<tr data-group="${g.id}"><td><a href="${href(ctx.basePath, '/jobs', { group: g.id })}"><span class="error-type">${g.errorType}</span></a> <span class="error-message">${cut(g.example, 120)}</span><div class="mono muted small">${cut(g.id, 24)}</div></td>
<td>${g.types.join(', ')}</td><td class="num">${g.deadNow}</td><td>${timeAgo(g.firstSeen)}</td><td>${timeAgo(g.lastSeen)}</td></tr>`,
        )}</tbody></table></div>`;
  const body = html`<div class="page-head"><h1>Failure groups</h1><p class="muted">Dead jobs that failed alike: same error type, same message shape, same place in the code. Largest first.</p></div>
<section class="card">${table}</section>`;
  return layout(ctx, { title: 'Failure groups', section: 'groups', body });
}
