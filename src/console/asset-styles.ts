/**
 * The pages' stylesheet, served as `/assets/console.css`: light and dark by the system's choice,
 * readable from a phone to a wide screen. Kept as a string so that the compiled package carries it.
 */
export const consoleStyles = `
:root {
  --bg: #f5f6f8; --card: #ffffff; --text: #1d2430; --muted: #667085; --border: #e4e7ec;
  --header: #101828; --header-text: #f2f4f7; --accent: #3b5bdb; --accent-text: #ffffff;
  --danger: #c92a2a; --danger-bg: #fff5f5; --ok: #2b8a3e; --ok-bg: #ebfbee; --warn: #b35c00; --warn-bg: #fff9db;
  --info-bg: #edf2ff; --code-bg: #f2f4f7; --chart: #e8590c; --row-hover: #f9fafb;
  --radius: 10px; --mono: ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace;
  color-scheme: light dark;
}
@media (prefers-color-scheme: dark) {
  :root {
    --bg: #0c111d; --card: #161b26; --text: #e6e9ef; --muted: #98a2b3; --border: #283040;
    --header: #05080f; --accent: #748ffc; --accent-text: #0c111d; --danger: #ff8787; --danger-bg: #2c1618;
    --ok: #69db7c; --ok-bg: #13251a; --warn: #ffc078; --warn-bg: #2b2210; --info-bg: #1a2140; --code-bg: #0f141f;
    --chart: #ff922b; --row-hover: #1b2130;
  }
}
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body { margin: 0; background: var(--bg); color: var(--text); font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
a { color: var(--accent); text-decoration: none; }
a:hover { text-decoration: underline; }
h1 { font-size: 1.5rem; margin: 0; line-height: 1.25; }
h2 { font-size: 1.05rem; margin: 0 0 .75rem; }
code, .mono { font-family: var(--mono); font-size: .9em; }
.muted { color: var(--muted); }
.small { font-size: .85rem; }
[hidden] { display: none !important; }

.top { background: var(--header); color: var(--header-text); }
.top-inner { max-width: 1240px; margin: 0 auto; padding: .6rem 1.25rem; display: flex; align-items: center; gap: 1.5rem; flex-wrap: wrap; }
.brand { color: var(--header-text); font-weight: 700; font-size: 1.1rem; letter-spacing: .01em; }
.brand:hover { text-decoration: none; }
.brand-mark { display: inline-block; color: #ff922b; font-weight: 800; }
.top nav { display: flex; gap: .25rem; overflow-x: auto; }
.top nav a { color: #cfd4dc; padding: .35rem .7rem; border-radius: 6px; white-space: nowrap; }
.top nav a:hover { background: rgba(255,255,255,.08); text-decoration: none; }
.top nav a[aria-current="page"] { background: rgba(255,255,255,.14); color: #fff; }
.top-meta { margin-left: auto; display: flex; align-items: center; gap: .75rem; font-size: .85rem; color: #cfd4dc; }
.top-meta strong { color: #fff; font-family: var(--mono); font-weight: 600; }
.logout { margin: 0; }
.link-button { background: none; border: 0; color: #cfd4dc; cursor: pointer; font: inherit; padding: 0; text-decoration: underline; }

main { max-width: 1240px; margin: 0 auto; padding: 1.25rem; display: flex; flex-direction: column; gap: 1rem; }
.page-head { display: flex; align-items: flex-end; justify-content: space-between; gap: 1rem; flex-wrap: wrap; }
.page-head p { margin: .25rem 0 0; }
.card { background: var(--card); border: 1px solid var(--border); border-radius: var(--radius); padding: 1rem 1.1rem; min-width: 0; }
.card-head { display: flex; align-items: baseline; justify-content: space-between; gap: .5rem 1rem; flex-wrap: wrap; margin-bottom: .75rem; }
.card-head h2 { margin: 0; }
.grid-2 { display: grid; grid-template-columns: repeat(2, minmax(0, 1fr)); gap: 1rem; }
.empty { color: var(--muted); margin: .25rem 0; }

.tiles { display: grid; grid-template-columns: repeat(6, minmax(0, 1fr)); gap: .75rem; }
.tile { background: var(--card); border: 1px solid var(--border); border-radius: var(--radius); padding: .85rem 1rem; display: flex; flex-direction: column; color: var(--text); }
a.tile:hover { border-color: var(--accent); text-decoration: none; }
.tile-value { font-size: 1.75rem; font-weight: 700; font-variant-numeric: tabular-nums; line-height: 1.2; }
.tile-label { color: var(--muted); font-size: .85rem; }
.tile-deadNow { border-color: var(--danger); background: var(--danger-bg); }
.tile-deadNow .tile-value { color: var(--danger); }
.tile-succeededAfterRetry .tile-value { color: var(--ok); }

.notice { border-radius: var(--radius); padding: .7rem 1rem; border: 1px solid var(--border); margin: 0; }
.notice ul { margin: .35rem 0 0; padding-left: 1.25rem; }
.notice-ok { background: var(--ok-bg); border-color: transparent; color: var(--ok); }
.notice-alert { background: var(--danger-bg); border-color: var(--danger); color: var(--text); }
.notice-alert strong { color: var(--danger); }
.notice-warn { background: var(--warn-bg); border-color: transparent; }
.notice-info { background: var(--info-bg); border-color: transparent; }
.last-error { font-family: var(--mono); font-size: .9rem; overflow-wrap: anywhere; }

.chart-box { position: relative; height: 240px; }

.table-wrap { overflow-x: auto; margin: 0 -.25rem; }
table { width: 100%; border-collapse: collapse; font-size: .92rem; }
th, td { text-align: left; padding: .5rem .5rem; border-bottom: 1px solid var(--border); vertical-align: top; }
thead th { color: var(--muted); font-weight: 600; font-size: .78rem; text-transform: uppercase; letter-spacing: .03em; white-space: nowrap; }
tbody tr:hover { background: var(--row-hover); }
tbody tr:last-child th, tbody tr:last-child td { border-bottom: 0; }
tbody th { font-weight: 500; }
.nowrap { white-space: nowrap; }
tr.round-start td { border-top: 2px solid var(--muted); }
h2.spaced { margin-top: 1rem; }
.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.hot { color: var(--danger); font-weight: 700; }
table.counters th:first-child { width: 26%; }
.warn-text { color: var(--warn); font-weight: 600; }
.error-cell { min-width: 16rem; }
.error-type { font-family: var(--mono); font-size: .85em; font-weight: 600; color: var(--danger); }
.error-message { overflow-wrap: anywhere; }
.tag { font-size: .75rem; border: 1px solid var(--border); border-radius: 999px; padding: 0 .45rem; color: var(--muted); white-space: nowrap; }

.badge { display: inline-block; font-size: .75rem; font-weight: 600; border-radius: 999px; padding: .1rem .6rem; background: var(--code-bg); color: var(--muted); white-space: nowrap; }
.badge-deadlettered { background: var(--danger-bg); color: var(--danger); }
.badge-succeeded { background: var(--ok-bg); color: var(--ok); }
.badge-running, .badge-retrying { background: var(--info-bg); color: var(--accent); }
.badge-expired, .badge-cancelled { background: var(--code-bg); color: var(--muted); }
.badge-readonly { background: #ffe8cc; color: #7a3e00; }
.outcome { font-weight: 600; font-size: .85rem; }
.outcome-failed, .outcome-lost { color: var(--danger); }
.outcome-succeeded { color: var(--ok); }

button, .button { font: inherit; font-size: .9rem; font-weight: 600; border-radius: 8px; padding: .45rem .9rem; border: 1px solid transparent; cursor: pointer; display: inline-flex; align-items: center; gap: .35rem; line-height: 1.3; white-space: nowrap; }
button:disabled { opacity: .55; cursor: progress; }
.primary { background: var(--accent); color: var(--accent-text); }
.secondary { background: var(--card); color: var(--text); border-color: var(--border); }
.secondary:hover { border-color: var(--muted); text-decoration: none; }
.danger { background: var(--card); color: var(--danger); border-color: var(--danger); }
.danger:hover { background: var(--danger-bg); }
.button-row { display: flex; gap: .5rem; flex-wrap: wrap; }

input, select, textarea { font: inherit; font-size: .92rem; color: var(--text); background: var(--card); border: 1px solid var(--border); border-radius: 8px; padding: .42rem .6rem; width: 100%; min-width: 0; }
textarea { font-family: var(--mono); font-size: .85rem; resize: vertical; }
input:focus, select:focus, textarea:focus, button:focus-visible, a:focus-visible { outline: 2px solid var(--accent); outline-offset: 1px; }
.field { display: flex; flex-direction: column; gap: .2rem; font-size: .8rem; color: var(--muted); font-weight: 600; }
.field > span { text-transform: uppercase; letter-spacing: .03em; }
.filters { display: grid; grid-template-columns: repeat(5, minmax(0, 1fr)) auto; gap: .75rem; align-items: end; }
.filter-actions { display: flex; gap: .5rem; }
.form-error { color: var(--danger); background: var(--danger-bg); border: 1px solid var(--danger); border-radius: 8px; padding: .5rem .75rem; margin: .5rem 0; overflow-wrap: anywhere; }
.pager { display: flex; justify-content: space-between; gap: .5rem; margin-top: .75rem; }
.pager a[rel="next"] { margin-left: auto; }

.bulk-form { display: grid; grid-template-columns: 10rem 10rem minmax(0, 1fr) auto; gap: .75rem; align-items: end; }
#bulk-confirm { display: flex; align-items: center; gap: 1rem; flex-wrap: wrap; margin-top: .75rem; }
#bulk-confirm p { margin: 0; font-weight: 600; }
#bulk-progress { margin-top: .9rem; }
.progress { height: 12px; background: var(--code-bg); border-radius: 999px; overflow: hidden; border: 1px solid var(--border); }
.progress .bar { height: 100%; width: 0; background: var(--accent); transition: width .3s ease; }
.progress .bar-completed { background: var(--ok); }
.progress .bar-paused { background: var(--warn); }
.progress .bar-aborted { background: var(--danger); }
#bulk-status { font-variant-numeric: tabular-nums; }

pre { margin: 0; }
pre.json, .stack pre { background: var(--code-bg); border-radius: 8px; padding: .7rem .85rem; overflow: auto; font-family: var(--mono); font-size: .83rem; max-height: 26rem; }
.stack summary, .round summary, .edit-payload summary { cursor: pointer; color: var(--accent); font-size: .85rem; font-weight: 600; margin-top: .25rem; }
.stack pre { margin-top: .35rem; white-space: pre-wrap; overflow-wrap: anywhere; font-size: .78rem; }
.edit-payload { margin-top: .85rem; border-top: 1px solid var(--border); padding-top: .6rem; }
.edit-payload .field { margin: .6rem 0; }
.round { margin-bottom: .5rem; }
.round pre { margin-top: .35rem; }
.job-head h1 { overflow-wrap: anywhere; }
.job-head p { display: flex; gap: .5rem; align-items: center; }
.facts { margin: 0; display: grid; grid-template-columns: 1fr; gap: 0; }
.facts > div { display: grid; grid-template-columns: 8.5rem minmax(0, 1fr); gap: .75rem; padding: .4rem 0; border-bottom: 1px solid var(--border); }
.facts > div:last-child { border-bottom: 0; }
.facts dt { color: var(--muted); font-size: .85rem; }
.facts dd { margin: 0; overflow-wrap: anywhere; }
.timeline { list-style: none; margin: 0; padding: 0 0 0 1rem; border-left: 2px solid var(--border); }
.timeline li { position: relative; padding: .3rem 0 .3rem .5rem; font-size: .92rem; }
.timeline li::before { content: ""; position: absolute; left: -1.42rem; top: .72rem; width: .6rem; height: .6rem; border-radius: 50%; background: var(--muted); border: 2px solid var(--card); }
.timeline .tl-deadlettered::before { background: var(--danger); }
.timeline .tl-succeeded::before { background: var(--ok); }
.timeline .tl-retried::before { background: var(--accent); }
.timeline time { font-family: var(--mono); font-size: .8rem; color: var(--muted); margin-right: .35rem; }
.error-card h1 { margin-bottom: .5rem; }

.login-body { min-height: 100vh; display: flex; align-items: center; justify-content: center; }
.login { width: 100%; max-width: 26rem; padding: 1rem; display: block; }
.login-card { display: flex; flex-direction: column; gap: .6rem; padding: 1.5rem; }
.login-card label { font-weight: 600; font-size: .9rem; }
.login-card h1 { font-size: 1.3rem; }
.login-card p { margin: 0; }
.login-card button { justify-content: center; margin-top: .4rem; }

@media (max-width: 1000px) {
  .tiles { grid-template-columns: repeat(3, minmax(0, 1fr)); }
  .filters { grid-template-columns: repeat(3, minmax(0, 1fr)); }
  .bulk-form { grid-template-columns: repeat(2, minmax(0, 1fr)); }
  .bulk-form .grow { grid-column: 1 / -1; }
}
@media (max-width: 760px) {
  .grid-2 { grid-template-columns: 1fr; }
  .top-inner { gap: .5rem 1rem; padding: .6rem .9rem; }
  .top-meta { margin-left: 0; width: 100%; justify-content: space-between; }
  main { padding: .9rem .75rem; }
  .tiles { grid-template-columns: repeat(2, minmax(0, 1fr)); }
  .filters { grid-template-columns: repeat(2, minmax(0, 1fr)); }
  .filters .filter-actions { grid-column: 1 / -1; }
  .hide-sm { display: none; }
  .error-cell { min-width: 12rem; }
  .facts > div { grid-template-columns: 7rem minmax(0, 1fr); }
  .chart-box { height: 200px; }
  /* Wide tables become one card per row, each value labelled. */
  table.stack-sm thead { display: none; }
  table.stack-sm, table.stack-sm tbody, table.stack-sm tr, table.stack-sm td { display: block; width: 100%; }
  table.stack-sm tr { border-bottom: 1px solid var(--border); padding: .55rem 0; }
  table.stack-sm tr:last-child { border-bottom: 0; }
  table.stack-sm td { border: 0; padding: .1rem .25rem; text-align: left; min-width: 0; }
  table.stack-sm td.inline-sm { display: inline-block; width: auto; margin-right: .6rem; }
  table.stack-sm td.hide-sm { display: none; }
  table.stack-sm td[data-label]::before { content: attr(data-label) " "; color: var(--muted); font-size: .78rem; font-weight: 600; }
  table.stack-sm tr.round-start td { border-top: 0; }
  table.stack-sm tr.round-start { border-top: 2px solid var(--muted); }
}
`;

/** The tab icon: the brand's arrow, as SVG. */
export const faviconSvg = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="7" fill="#101828"/><text x="16" y="23" font-size="20" font-family="sans-serif" font-weight="700" text-anchor="middle" fill="#ff922b">↻</text></svg>`;
