/**
 * The pages' only script, served as `/assets/console.js`: the chart, the job page's actions, and
 * the bulk panel's count, start and live progress. Plain ES2017 for the browser, kept as a string
 * so that the compiled package carries it (the build compiles TypeScript only).
 */
export const consoleScript = String.raw`(function () {
  'use strict';
  function meta(name) {
    var m = document.querySelector('meta[name="' + name + '"]');
    return m ? m.getAttribute('content') : null;
  }
  var base = meta('console-base') || '';
  var csrf = meta('csrf-token');
  function byId(id) { return document.getElementById(id); }
  function show(el, text) {
    if (!el) return;
    el.textContent = text || '';
    el.hidden = !text;
  }

  /** Calls the console's JSON API; rejects with the message of its error body. */
  function api(method, path, body) {
    var headers = { Accept: 'application/json' };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    if (csrf) headers['X-CSRF-Token'] = csrf;
    return fetch(base + path, { method: method, headers: headers, credentials: 'same-origin', body: body === undefined ? undefined : JSON.stringify(body) })
      .then(function (res) {
        return res.text().then(function (text) {
          var data = null;
          try { data = text ? JSON.parse(text) : null; } catch (e) { data = null; }
          if (!res.ok) {
            var err = new Error(data && data.error ? data.error.message : 'HTTP ' + res.status);
            err.status = res.status;
            throw err;
          }
          return data;
        });
      });
  }

  function drawChart() {
    var canvas = byId('dead-chart');
    var source = byId('dead-chart-data');
    if (!canvas || !source || typeof window.Chart === 'undefined') return;
    var chart = JSON.parse(source.textContent);
    var day = 86400000;
    function label(at) {
      var d = new Date(at);
      return chart.bucketMs >= day
        ? d.toLocaleDateString(undefined, { month: 'short', day: 'numeric' })
        : d.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' });
    }
    var css = getComputedStyle(document.documentElement);
    function color(name, fallback) { return css.getPropertyValue(name).trim() || fallback; }
    new window.Chart(canvas, {
      type: 'bar',
      data: {
        labels: chart.buckets.map(function (b) { return label(b.at); }),
        datasets: [{
          label: 'Dead-lettered',
          data: chart.buckets.map(function (b) { return b.count; }),
          backgroundColor: color('--chart', '#e8590c'),
          borderRadius: 3,
          maxBarThickness: 32
        }]
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        plugins: {
          legend: { display: false },
          tooltip: { callbacks: { title: function (items) { return new Date(chart.buckets[items[0].dataIndex].at).toLocaleString(); } } }
        },
        scales: {
          x: { grid: { display: false }, ticks: { color: color('--muted', '#667085'), maxRotation: 0, autoSkip: true, maxTicksLimit: 8 } },
          y: { beginAtZero: true, ticks: { precision: 0, color: color('--muted', '#667085') }, grid: { color: color('--border', '#e3e6ea') } }
        }
      }
    });
  }

  function jobPage() {
    var job = byId('job');
    if (!job) return;
    var jobId = job.getAttribute('data-job-id');
    var round = Number(job.getAttribute('data-round'));
    var path = '/api/jobs/' + encodeURIComponent(jobId);
    var errorEl = byId('action-error');
    var statusEl = byId('action-status');
    function busy(on) {
      document.querySelectorAll('#job-actions button, #retry-edited').forEach(function (b) { b.disabled = on; });
    }
    function setStatus(status) {
      job.setAttribute('data-status', status);
      document.querySelectorAll('.job-head .badge').forEach(function (b) {
        b.textContent = status;
        b.className = 'badge badge-' + status.toLowerCase();
        b.setAttribute('data-status', status);
      });
    }
    // After a change, follow the job until it settles, then reload to show its new attempts.
    function follow(message) {
      show(statusEl, message);
      var started = Date.now();
      (function poll() {
        api('GET', path).then(function (rec) {
          setStatus(rec.status);
          var settled = rec.status !== 'Scheduled' && rec.status !== 'Running' && rec.status !== 'Retrying' && !(rec.status === 'DeadLettered' && rec.round === round);
          if (settled) {
            show(statusEl, 'The job is ' + rec.status + '.');
            setTimeout(function () { location.reload(); }, 800);
          } else if (Date.now() - started < 120000) {
            setTimeout(poll, 500);
          } else {
            show(statusEl, 'Still ' + rec.status + ': reload the page to follow it.');
          }
        }, function (err) { show(errorEl, err.message); });
      })();
    }
    function act(action, body) {
      show(errorEl, '');
      busy(true);
      return api('POST', path + '/' + action, body).then(function () {
        if (action === 'retry') return follow('Retried: a new round of attempts is running…');
        if (action === 'cancel') return follow('Cancelling…');
        // Pause, resume, run now: the job does not settle; the page shows its new state.
        show(statusEl, { pause: 'Paused.', resume: 'Resumed: its next attempt runs now.', 'retry-now': 'Its next attempt runs now.' }[action]);
        setTimeout(function () { location.reload(); }, 800);
      }, function (err) {
        busy(false);
        throw err;
      });
    }
    document.querySelectorAll('#job-actions [data-action]').forEach(function (button) {
      button.addEventListener('click', function () {
        var action = button.getAttribute('data-action');
        if (action === 'cancel' && !window.confirm('Cancel job ' + jobId + ' for good? It ends Cancelled and is not retried; an attempt under way is stopped.')) return;
        act(action, {}).catch(function (err) { show(errorEl, err.message); });
      });
    });
    var edited = byId('retry-edited');
    if (edited) edited.addEventListener('click', function () {
      var editError = byId('edit-error');
      show(editError, '');
      var payload;
      try {
        payload = JSON.parse(byId('payload-editor').value);
      } catch (e) {
        show(editError, 'Not valid JSON: ' + e.message);
        return;
      }
      var body = { payload: payload };
      var reason = byId('edit-reason').value.trim();
      if (reason) body.reason = reason;
      act('retry', body).catch(function (err) { show(editError, err.message); });
    });
  }

  function bulkPanel() {
    var panel = byId('bulk');
    if (!panel) return;
    var filter = JSON.parse(byId('bulk-filter').textContent);
    var errorEl = byId('bulk-error');
    var selection = null;
    var operationId = null;
    function plural(n, word) { return n + ' ' + word + (n === 1 ? '' : 's'); }
    function body(dryRun) {
      var b = { action: byId('bulk-action').value, filter: Object.assign({}, filter), rate: Number(byId('bulk-rate').value), dryRun: dryRun };
      var reason = byId('bulk-reason').value.trim();
      if (reason) b.reason = reason;
      // Apply exactly what was counted: nothing dead-lettered since.
      if (!dryRun && selection && selection.until) b.filter.until = selection.until;
      return b;
    }
    function reset() {
      selection = null;
      byId('bulk-confirm').hidden = true;
    }
    ['bulk-action', 'bulk-rate'].forEach(function (id) { byId(id).addEventListener('change', reset); });
    byId('bulk-count').addEventListener('click', function () {
      show(errorEl, '');
      reset();
      api('POST', '/api/bulk', body(true)).then(function (res) {
        selection = res;
        byId('bulk-matched').textContent = res.matched === 0 ? 'No dead job matches.' : plural(res.matched, 'dead job') + ' match' + (res.matched === 1 ? 'es' : '') + ' this filter.';
        var start = byId('bulk-start');
        start.textContent = (res.action === 'retry' ? 'Retry ' : 'Cancel ') + plural(res.matched, 'job') + ' at ' + byId('bulk-rate').value + '/s';
        start.className = res.action === 'retry' ? 'primary' : 'danger';
        start.hidden = res.matched === 0;
        byId('bulk-confirm').hidden = false;
      }, function (err) { show(errorEl, err.message); });
    });
    byId('bulk-start').addEventListener('click', function () {
      show(errorEl, '');
      byId('bulk-start').disabled = true;
      api('POST', '/api/bulk', body(false)).then(function (res) {
        byId('bulk-confirm').hidden = true;
        byId('bulk-start').disabled = false;
        if (res.operationId) watch(res.operationId);
      }, function (err) {
        byId('bulk-start').disabled = false;
        show(errorEl, err.message);
      });
    });
    function render(p) {
      var handled = p.done + p.skipped + p.failed;
      var pct = p.matched ? Math.round((handled / p.matched) * 100) : 100;
      var bar = byId('bulk-bar');
      bar.style.width = pct + '%';
      bar.className = 'bar bar-' + p.state.toLowerCase();
      bar.parentNode.setAttribute('aria-valuenow', String(pct));
      var text = (p.kind === 'retry' ? 'Retry' : 'Cancel') + ' ' + p.state.toLowerCase() + ': ' + p.done + '/' + p.matched + ' done, ' + p.skipped + ' skipped, ' + p.failed + ' failed, ' + p.remaining + ' remaining.';
      if (p.errors && p.errors.length) text += ' Last error: ' + p.errors[p.errors.length - 1].jobId + ': ' + p.errors[p.errors.length - 1].message;
      var status = byId('bulk-status');
      status.textContent = text;
      status.setAttribute('data-state', p.state);
      var final = p.state === 'Completed' || p.state === 'Aborted';
      byId('bulk-pause').hidden = final || p.state === 'Paused';
      byId('bulk-resume').hidden = final || p.state !== 'Paused';
      byId('bulk-abort').hidden = final;
      if (final) {
        var list = new URL(location.href);
        list.searchParams.delete('operation');
        byId('bulk-reload').setAttribute('href', list.toString());
        byId('bulk-reload').hidden = false;
      }
      return final;
    }
    function poll() {
      api('GET', '/api/bulk/' + encodeURIComponent(operationId)).then(function (p) {
        if (!render(p)) setTimeout(poll, 500);
      }, function () {
        // Just started: its workflow may not answer yet.
        setTimeout(poll, 1000);
      });
    }
    function watch(id) {
      operationId = id;
      var url = new URL(location.href);
      url.searchParams.set('operation', id);
      history.replaceState(null, '', url.toString());
      byId('bulk-progress').hidden = false;
      byId('bulk-status').textContent = 'Starting…';
      poll();
    }
    function control(verb) {
      return function () {
        if (verb === 'abort' && !window.confirm('Abort the operation? The jobs it has not reached stay as they are.')) return;
        api('POST', '/api/bulk/' + encodeURIComponent(operationId) + '/' + verb).then(render, function (err) { show(errorEl, err.message); });
      };
    }
    ['pause', 'resume', 'abort'].forEach(function (verb) { byId('bulk-' + verb).addEventListener('click', control(verb)); });
    var resumed = new URLSearchParams(location.search).get('operation');
    if (resumed) watch(resumed);
  }

  // Empty filter fields stay out of the URL.
  function filterForm() {
    var form = byId('filters');
    if (!form) return;
    form.addEventListener('submit', function () {
      Array.prototype.forEach.call(form.elements, function (el) { if (el.name && !el.value) el.disabled = true; });
    });
  }

  function start() {
    drawChart();
    jobPage();
    bulkPanel();
    filterForm();
  }
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();
`;
