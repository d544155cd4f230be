// tastebud dashboard: reads /dashboard/api/* with the session cookie and draws each panel with vega-lite.
/* global vegaEmbed */
'use strict';

const dark = window.matchMedia('(prefers-color-scheme: dark)');
/** A phone: legends wrap into rows of three instead of running off the side. */
const narrow = () => window.innerWidth < 520;
let csrfToken = '';

/** GET or POST a dashboard JSON route; a lost session goes back to the login page. */
async function api(path, options = {}) {
  const response = await fetch(`/dashboard/api/${path}`, { credentials: 'same-origin', ...options, headers: { accept: 'application/json', ...(options.headers || {}) } });
  if (response.status === 401) {
    window.location.assign('/dashboard/login');
    throw new Error('session ended');
  }
  const body = await response.json();
  if (!response.ok) throw new Error(body.message || `HTTP ${response.status}`);
  return body;
}

const el = (tag, attrs = {}, ...children) => {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  for (const child of children) node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  return node;
};
const fixed = (x, digits = 3) => (typeof x === 'number' && Number.isFinite(x) ? x.toFixed(digits) : '–');
const pct = (x) => (typeof x === 'number' && Number.isFinite(x) ? `${(x * 100).toFixed(1)} %` : '–');
const when = (iso) => (iso ? new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' }) : '–');
const seconds = (ms) => (typeof ms === 'number' ? (ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`) : '–');
const ago = (iso) => {
  if (!iso) return '–';
  const minutes = Math.round((Date.now() - new Date(iso).getTime()) / 60000);
  if (minutes < 1) return 'just now';
  if (minutes < 90) return `${minutes} min ago`;
  if (minutes < 48 * 60) return `${Math.round(minutes / 60)} h ago`;
  return `${Math.round(minutes / 1440)} days ago`;
};
const badge = (text) => el('span', { class: `badge ${text}` }, text);

/** Draws a vega-lite spec into the panel's .chart, full width; an empty data set shows a note instead. */
async function chart(panelId, spec, empty) {
  const target = document.querySelector(`#${panelId} .chart`);
  if (empty) {
    target.replaceChildren(el('div', { class: 'empty' }, empty));
    target.dataset.rendered = 'empty';
    return;
  }
  const full = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    width: 'container',
    height: 220,
    autosize: { type: 'fit', contains: 'padding' },
    background: 'transparent',
    config: {
      view: { stroke: null },
      axis: { labelFontSize: 11, titleFontSize: 11, grid: true },
      legend: { orient: 'bottom', labelFontSize: 11, titleFontSize: 11, ...(narrow() ? { columns: 3 } : {}) },
    },
    ...spec,
  };
  // ast: vega interprets expressions instead of compiling them with new Function, so the CSP needs no 'unsafe-eval'.
  await vegaEmbed(target, full, { actions: false, renderer: 'svg', ast: true, theme: dark.matches ? 'dark' : undefined });
  target.dataset.rendered = 'chart';
}

function renderActive(models) {
  const active = models.versions.find((v) => v.status === 'active');
  const tiles = document.getElementById('active-tiles');
  const tile = (value, label, kind = '') => el('div', { class: 'tile' }, el('div', { class: `value ${kind}` }, value), el('div', { class: 'label' }, label));
  if (!active) {
    tiles.replaceChildren(tile('none', 'no version promoted yet: suggestions are popular titles'), tile(models.versions.length, 'versions trained'));
    return;
  }
  tiles.replaceChildren(
    tile(`v${active.id}`, `active · ${active.architecture}${models.servingVersion === active.id ? ' · served here' : ''}`),
    tile(fixed(active.validationNdcg10), 'validation nDCG@10'),
    tile(active.trainingRatings.toLocaleString(), 'ratings trained on'),
    tile(ago(active.promotedAt), `promoted ${when(active.promotedAt)}`, 'date'),
    tile(seconds(active.durationMs), 'its retrain took'),
    tile(String(models.versions.length), `versions shown · ${models.versions.filter((v) => v.status === 'rejected').length} rejected`),
  );
}

function renderVersionsTable(models) {
  const rows = [...models.versions]
    .reverse()
    .map((v) =>
      el(
        'tr',
        {},
        el('td', { class: 'num' }, `v${v.id}`),
        el('td', {}, badge(v.status)),
        el('td', { class: 'num ndcg' }, fixed(v.validationNdcg10)),
        el('td', { class: 'num opt' }, v.activeValidationNdcg10 === null ? '–' : `${fixed(v.activeValidationNdcg10)} (v${v.comparedWith})`),
        el('td', { class: 'num opt' }, v.trainingRatings.toLocaleString()),
        el('td', { class: 'num opt' }, when(v.createdAt)),
        el('td', { class: 'why' }, v.statusReason || ''),
      ),
    );
  document.querySelector('#versions-table tbody').replaceChildren(...rows);
}

async function renderModels() {
  const models = await api('models');
  renderActive(models);
  renderVersionsTable(models);
  const ndcg = models.versions.filter((v) => v.validationNdcg10 !== null).map((v) => ({ version: `v${v.id}`, ndcg: v.validationNdcg10, status: v.status, reason: v.statusReason || '' }));
  // One colour per status wherever it appears; the legend lists only the statuses shown.
  const palette = { active: '#2f9e44', retired: '#868e96', rejected: '#e03131', candidate: '#f08c00', failed: '#862e9c', training: '#1c7ed6' };
  const shownStatuses = Object.keys(palette).filter((status) => ndcg.some((v) => v.status === status));
  const statusColours = { domain: shownStatuses, range: shownStatuses.map((status) => palette[status]) };
  await chart(
    'panel-ndcg',
    {
      data: { values: ndcg },
      mark: { type: 'bar', cornerRadiusEnd: 3 },
      encoding: {
        x: { field: 'version', type: 'ordinal', sort: null, title: null, axis: { labelAngle: 0 } },
        y: { field: 'ndcg', type: 'quantitative', title: 'nDCG@10' },
        color: { field: 'status', type: 'nominal', scale: statusColours, title: 'status' },
        tooltip: [{ field: 'version' }, { field: 'ndcg', format: '.4f', title: 'nDCG@10' }, { field: 'status' }, { field: 'reason', title: 'why' }],
      },
    },
    ndcg.length === 0 ? 'no version has a validation nDCG@10 yet' : undefined,
  );
  const loss = models.versions.flatMap((v) => v.lossHistory.map((value, i) => ({ version: `v${v.id}`, epoch: i + 1, loss: value })));
  await chart(
    'panel-loss',
    {
      data: { values: loss },
      mark: { type: 'line', point: { size: 18 }, strokeWidth: 2 },
      encoding: {
        x: { field: 'epoch', type: 'quantitative', axis: { tickMinStep: 1 } },
        y: { field: 'loss', type: 'quantitative', scale: { zero: false } },
        color: { field: 'version', type: 'nominal', sort: null, title: 'version' },
        tooltip: [{ field: 'version' }, { field: 'epoch' }, { field: 'loss', format: '.4f' }],
      },
    },
    loss.length === 0 ? 'no training loss recorded yet' : undefined,
  );
}

async function renderOnline() {
  const online = await api('online?days=30');
  const tbody = document.querySelector('#online-table tbody');
  if (!online.available) {
    await chart('panel-online', {}, 'online measures are not available in this build');
    tbody.replaceChildren();
    return;
  }
  const name = (v) => (v === null ? 'none' : `v${v}`);
  const days = online.report.byDay.filter((d) => d.acceptance !== null).map((d) => ({ day: d.day, version: name(d.modelVersion), acceptance: d.acceptance, shown: d.shown }));
  await chart(
    'panel-online',
    {
      data: { values: days },
      mark: { type: 'line', point: true, strokeWidth: 2 },
      encoding: {
        x: { field: 'day', type: 'temporal', title: null, timeUnit: 'utcyearmonthdate' },
        y: { field: 'acceptance', type: 'quantitative', axis: { format: '%' }, title: 'acceptance' },
        color: { field: 'version', type: 'nominal', title: 'version' },
        tooltip: [{ field: 'day', type: 'temporal', timeUnit: 'utcyearmonthdate' }, { field: 'version' }, { field: 'acceptance', format: '.1%' }, { field: 'shown' }],
      },
    },
    days.length === 0 ? 'no suggestions shown in the last 30 days' : undefined,
  );
  tbody.replaceChildren(
    ...online.report.byVersion.map((r) =>
      el(
        'tr',
        {},
        el('td', { class: 'num' }, name(r.modelVersion)),
        el('td', { class: 'num' }, r.shown.toLocaleString()),
        el('td', { class: 'num' }, pct(r.acceptance)),
        el('td', { class: 'num' }, fixed(r.meanRating, 2)),
        el('td', { class: 'num' }, pct(r.reactionRate)),
        el('td', { class: 'num opt' }, pct(r.hideRate)),
        el('td', { class: 'num opt' }, pct(r.coverage)),
        el('td', { class: 'num opt' }, fixed(r.novelty, 2)),
        el('td', { class: 'num opt' }, `${fixed(r.latencyP50Ms, 0)} / ${fixed(r.latencyP95Ms, 0)}`),
      ),
    ),
  );
}

async function renderActivity() {
  const activity = await api('activity?days=30');
  await chart(
    'panel-ratings',
    {
      data: { values: activity.ratingsPerDay },
      mark: { type: 'bar' },
      encoding: {
        x: { field: 'day', type: 'temporal', timeUnit: 'utcyearmonthdate', title: null },
        y: { field: 'ratings', type: 'quantitative', aggregate: 'sum', title: 'ratings' },
        color: { field: 'source', type: 'nominal', title: 'source', scale: { domain: ['reaction', 'command', 'import'], range: ['#e8590c', '#1c7ed6', '#adb5bd'] } },
        tooltip: [{ field: 'day', type: 'temporal', timeUnit: 'utcyearmonthdate' }, { field: 'source' }, { field: 'ratings', aggregate: 'sum', title: 'ratings' }],
      },
    },
    activity.ratingsPerDay.length === 0 ? 'no ratings in the last 30 days' : undefined,
  );
  const kinds = activity.catalogue.kinds;
  await chart(
    'panel-catalogue',
    {
      data: { values: kinds },
      mark: { type: 'bar', cornerRadiusEnd: 3, color: '#1c7ed6' },
      encoding: {
        y: { field: 'kind', type: 'nominal', sort: '-x', title: null },
        x: { field: 'titles', type: 'quantitative', title: 'titles' },
        tooltip: [{ field: 'kind' }, { field: 'titles', format: ',' }],
      },
      height: Math.max(90, kinds.length * 34),
    },
    kinds.length === 0 ? 'the catalogue is empty' : undefined,
  );
  document.getElementById('catalogue-totals').textContent =
    `${kinds.reduce((s, k) => s + k.titles, 0).toLocaleString()} titles · ${activity.catalogue.members.toLocaleString()} members · ${activity.catalogue.ratings.toLocaleString()} ratings`;
}

async function renderQueues() {
  const status = await api('queues');
  const depth = status.queues.flatMap((q) => ['waiting', 'active', 'delayed', 'failed'].map((state) => ({ queue: q.name, state, jobs: q.counts[state] || 0 })));
  const total = depth.reduce((s, d) => s + d.jobs, 0);
  await chart('panel-queues', {
    data: { values: depth },
    mark: { type: 'bar' },
    encoding: {
      y: { field: 'queue', type: 'nominal', title: null },
      x: {
        field: 'jobs',
        type: 'quantitative',
        aggregate: 'sum',
        title: total === 0 ? 'jobs (all queues are empty)' : 'jobs',
        axis: { tickMinStep: 1 },
        scale: { domainMin: 0, domainMax: Math.max(1, ...status.queues.map((q) => ['waiting', 'active', 'delayed', 'failed'].reduce((s, k) => s + (q.counts[k] || 0), 0))) },
      },
      color: { field: 'state', type: 'nominal', scale: { domain: ['active', 'waiting', 'delayed', 'failed'], range: ['#2f9e44', '#1c7ed6', '#f08c00', '#e03131'] } },
      tooltip: [{ field: 'queue' }, { field: 'state' }, { field: 'jobs', aggregate: 'sum', title: 'jobs' }],
    },
    // autosize 'fit' counts the axis and legend in the height: about 90 px of it are theirs.
    height: 90 + Math.max(2, status.queues.length) * 32,
  });
  document.getElementById('outbox').textContent =
    `${status.outboxPending} rating change${status.outboxPending === 1 ? '' : 's'} waiting in the outbox · completed: ${status.queues.map((q) => `${q.name} ${q.counts.completed || 0}`).join(', ')}`;
  const rows = status.recentJobs.map((j) =>
    el(
      'tr',
      {},
      el('td', {}, j.queue),
      el('td', { class: 'num opt' }, `${j.name} #${j.id}`),
      el('td', {}, badge(j.state)),
      el('td', { class: 'num' }, when(j.finishedAt)),
      el('td', { class: 'num opt' }, seconds(j.durationMs)),
    ),
  );
  document.querySelector('#jobs-table tbody').replaceChildren(...(rows.length ? rows : [el('tr', {}, el('td', { colspan: '5', class: 'muted' }, 'no jobs yet'))]));
}

/** Queues a retrain and follows its progress until it ends, then redraws what it changed. */
async function retrain() {
  const button = document.getElementById('retrain');
  const box = document.getElementById('retrain-progress');
  const bar = document.getElementById('retrain-bar');
  const text = document.getElementById('retrain-text');
  button.disabled = true;
  box.hidden = false;
  box.dataset.state = 'queued';
  text.textContent = 'queued, waiting for a worker…';
  bar.value = 0;
  try {
    const { jobId } = await api('retrain', { method: 'POST', headers: { 'x-csrf-token': csrfToken } });
    box.dataset.jobId = jobId;
    for (;;) {
      const job = await api(`retrain/${encodeURIComponent(jobId)}`);
      bar.value = job.percent;
      text.textContent = job.text;
      box.dataset.state = job.state;
      if (job.final) break;
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
    box.dataset.state = `done:${box.dataset.state}`;
    await Promise.all([renderModels(), renderQueues()]);
  } catch (error) {
    text.textContent = `could not follow the retrain: ${error.message}`;
    box.dataset.state = 'error';
  } finally {
    button.disabled = false;
  }
}

async function start() {
  const session = await api('session');
  csrfToken = session.csrfToken;
  document.getElementById('who').textContent = `logged in as ${session.name}`;
  document.getElementById('logout-csrf').value = csrfToken;
  document.getElementById('retrain').addEventListener('click', () => void retrain());
  await Promise.all([renderModels(), renderOnline(), renderActivity(), renderQueues()]);
  document.body.dataset.ready = 'true';
  setInterval(() => void renderQueues().catch(() => {}), 15000);
}

document.addEventListener('DOMContentLoaded', () => {
  start().catch((error) => {
    document.body.dataset.ready = 'error';
    const main = document.querySelector('main');
    main.prepend(el('p', { class: 'error panel wide', role: 'alert' }, `The dashboard could not load: ${error.message}`));
  });
});
