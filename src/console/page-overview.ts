/**
 * The overview page: jobs dead now and the queue's counters, per job type and per error type,
 * alerts firing, dead-letterings over time, and the dead jobs that expire soonest.
 */
import type { DeadLetterCounters } from '../contract';
import type { OverviewData } from './overview';
import { layout, type PageContext } from './page-layout';
import { ago, duration, href, html, jsonScript, timeAgo, when, type Html } from './page-html';

const counterColumns: [keyof DeadLetterCounters, string][] = [
  ['deadNow', 'Dead now'],
  ['deadLettered', 'Dead-lettered'],
  ['retried', 'Retried'],
  ['succeededAfterRetry', 'Succeeded after retry'],
  ['cancelled', 'Cancelled'],
  ['expired', 'Expired'],
];

function tile(key: keyof DeadLetterCounters, label: string, value: number, link?: string): Html {
  const body = html`<span class="tile-value" data-stat="${key}">${value.toLocaleString('en')}</span><span class="tile-label">${label}</span>`;
  return link ? html`<a class="tile tile-${key}" href="${link}">${body}</a>` : html`<div class="tile tile-${key}">${body}</div>`;
}

/** A table of counters, one row per key, each key linking to the dead jobs it filters. */
function countersTable(ctx: PageContext, what: 'type' | 'errorType', heading: string, counters: Record<string, DeadLetterCounters>): Html {
  const rows = Object.entries(counters).sort(([, a], [, b]) => b.deadNow - a.deadNow || b.deadLettered - a.deadLettered);
  if (rows.length === 0) return html`<p class="empty">Nothing counted yet.</p>`;
  return html`<div class="table-wrap"><table class="counters" data-counters="${what}">
<thead><tr><th scope="col">${heading}</th>${counterColumns.map(([, label]) => html`<th scope="col" class="num">${label}</th>`)}</tr></thead>
<tbody>${rows.map(
    ([key, c]) => html`<tr data-key="${key}"><th scope="row"><a href="${href(ctx.basePath, '/jobs', { [what]: key })}">${key}</a></th>${counterColumns.map(
      ([col]) => html`<td class="num${col === 'deadNow' && c.deadNow > 0 ? ' hot' : ''}" data-col="${col}">${c[col]}</td>`,
    )}</tr>`,
  )}</tbody></table></div>`;
}

function alerts(firing: string[]): Html {
  if (firing.length === 0) return html`<section class="notice notice-ok" data-alerts="0"><strong>No alerts firing.</strong></section>`;
  return html`<section class="notice notice-alert" role="status" data-alerts="${firing.length}"><strong>${firing.length === 1 ? 'An alert is' : `${firing.length} alerts are`} firing:</strong>
<ul>${firing.map((key) => html`<li><code>${key}</code></li>`)}</ul></section>`;
}

function expiringTable(ctx: PageContext, data: OverviewData): Html {
  if (data.noWorker) return html`<p class="notice notice-warn">No worker answered for the dead jobs, so their expiry times are not known: run a worker on <strong>${ctx.taskQueue}</strong>.</p>`;
  if (data.expiring.length === 0) return html`<p class="empty">No dead job has an expiry time yet.</p>`;
  const day = 24 * 60 * 60 * 1000;
  return html`<div class="table-wrap"><table>
<thead><tr><th scope="col">Job</th><th scope="col">Type</th><th scope="col">Expires</th><th scope="col" class="hide-sm">Dead since</th></tr></thead>
<tbody>${data.expiring.map(
    (j) => html`<tr><td><a class="mono" href="${ctx.basePath}/jobs/${encodeURIComponent(j.jobId)}">${j.jobId}</a></td><td>${j.type}</td>
<td class="${Date.parse(j.expiresAt) - Date.now() < day ? 'warn-text' : ''}"><time datetime="${j.expiresAt}" title="${when(j.expiresAt)}">${ago(j.expiresAt)}</time></td><td class="hide-sm">${timeAgo(j.deadLetteredAt)}</td></tr>`,
  )}</tbody></table></div>`;
}

/** The overview page. */
export function renderOverviewPage(ctx: PageContext, data: OverviewData): Html {
  const { stats, chart } = data;
  const t = stats.total;
  const body = html`
<div class="page-head"><h1>Overview</h1><p class="muted">Dead-letter queue of <strong>${ctx.taskQueue}</strong>, read ${when(new Date().toISOString())}.</p></div>
<section class="tiles" aria-label="Counters">
  ${tile('deadNow', 'Dead now', t.deadNow, `${ctx.basePath}/jobs`)}
  ${tile('deadLettered', 'Dead-lettered', t.deadLettered)}
  ${tile('retried', 'Retried', t.retried)}
  ${tile('succeededAfterRetry', 'Succeeded after retry', t.succeededAfterRetry)}
  ${tile('cancelled', 'Cancelled', t.cancelled)}
  ${tile('expired', 'Expired', t.expired)}
</section>
${alerts(stats.firing)}
<section class="card">
  <div class="card-head"><h2>Dead-letterings over time</h2><span class="muted small">jobs dead now, by when they dead-lettered; buckets of ${duration(chart.bucketMs)}${chart.truncated ? html`; the first ${chart.counted.toLocaleString('en')} jobs` : ''}</span></div>
  <div class="chart-box"><canvas id="dead-chart" role="img" aria-label="Dead-letterings over time"></canvas></div>
  <script type="application/json" id="dead-chart-data">${jsonScript(chart)}</script>
</section>
<section class="card"><h2>By job type</h2>${countersTable(ctx, 'type', 'Job type', stats.byType)}</section>
<section class="card"><h2>By error type</h2>${countersTable(ctx, 'errorType', 'Error type', stats.byErrorType)}</section>
<section class="card"><div class="card-head"><h2>Expiring soonest</h2><span class="muted small">dead jobs are deleted when their retention runs out</span></div>${expiringTable(ctx, data)}</section>`;
  return layout(ctx, { title: 'Overview', section: 'overview', body, scripts: ['chart.umd.min.js'] });
}
