// Per-epoch progress of supernet and TF-NAS searches (ListEpochProgress):
// the metric curves, the architecture weights over the epochs, and how the
// architecture derived after each epoch changed.

import {api} from './api.js';
import {lineChart} from './chart.js';
import {h, fill} from './dom.js';
import {drawArchitecture, parseDarts, parseTfNas} from './architecture.js';
import {architectureWeightsView} from './architecture_weights.js';

const PAGE = 1000;  // ListEpochProgress answers at most this many per call.

export class EpochsView {
  constructor(searchId) {
    this.searchId = searchId;
    this.epochs = [];
    this.el = h('div.epochs');
    this.drawnCount = -1;
  }

  async refresh() {
    for (;;) {
      const page = await api.listEpochs(this.searchId, this.epochs.length);
      const got = page.epochs || [];
      this.epochs.push(...got);
      if (got.length < PAGE) break;
    }
  }

  // The newest attempt of each job: earlier attempts were abandoned.
  latestRuns() {
    const byJob = new Map();
    for (const e of this.epochs) {
      const cur = byJob.get(e.jobId);
      if (!cur || e.attempt > cur.attempt) byJob.set(e.jobId, {attempt: e.attempt, epochs: []});
      const run = byJob.get(e.jobId);
      if (e.attempt === run.attempt) run.epochs.push(e);
    }
    return [...byJob.entries()].map(([jobId, run]) => ({jobId, ...run}));
  }

  render(space) {
    if (this.drawnCount === this.epochs.length) return;
    this.drawnCount = this.epochs.length;
    if (!this.epochs.length) {
      fill(this.el, h('p.muted', {'data-field': 'epochs-count', 'data-count': 0}, 'no epoch reported yet'));
      return;
    }
    const runs = this.latestRuns();
    const names = [...new Set(this.epochs.flatMap((e) => Object.keys(e.metrics || {})))].sort();
    const groups = [
      {title: 'Loss', names: names.filter((n) => n.endsWith('_loss'))},
      {title: 'Accuracy', names: names.filter((n) => n.endsWith('_accuracy'))},
      ...names.filter((n) => !n.endsWith('_loss') && !n.endsWith('_accuracy')).map((n) => ({title: n, names: [n]})),
    ].filter((g) => g.names.length);
    const charts = groups.map((g) => lineChart(
        runs.flatMap((run) => g.names.map((n) => ({
          name: runs.length > 1 ? `job ${run.jobId} ${n}` : n, kind: 'line', markers: run.epochs.length < 40,
          points: run.epochs.filter((e) => n in (e.metrics || {})).map((e) => ({x: e.epoch, y: e.metrics[n]})),
        }))), {id: `epochs-${g.title}`, title: g.title, xLabel: 'epoch', width: 420, height: 220, legend: true}));
    const last = runs[runs.length - 1].epochs;
    const latest = last[last.length - 1];
    fill(this.el,
        h('p', {'data-field': 'epochs-count', 'data-count': this.epochs.length},
            `${this.epochs.length} epochs reported; epoch ${latest.epoch} of ${latest.epochs} is the latest.`),
        h('div.chart-row', charts),
        architectureWeightsView(last),
        h('h3', null, 'Derived architecture over the epochs'),
        h('p.muted', null, 'Each column below is one epoch.'),
        evolution(last, space),
        h('h3', null, `Derived after epoch ${latest.epoch}`),
        drawArchitecture((latest.architecture || {}).text, space));
  }
}

function evolution(epochs, space) {
  try {
    if (space === 'dartsCell') return dartsEvolution(epochs);
    if (space === 'tfnas') return tfNasEvolution(epochs);
  } catch (e) {
    return h('p.muted', null, `cannot read the architectures: ${e.message}`);
  }
  return h('p.muted', null, 'no evolution view for this space');
}

// One row per (cell, node, input slot), one column per epoch: the chosen op
// and input, colour-coded by op, so changes of the derived cell stand out.
function dartsEvolution(epochs) {
  const parsed = epochs.map((e) => parseDarts((e.architecture || {}).text || ''));
  const rows = [];
  for (const cell of ['normal', 'reduce']) {
    const n = Math.max(...parsed.map((p) => (p ? p[cell].length : 0)));
    for (let node = 0; node < n; node++) for (let slot = 0; slot < 2; slot++) rows.push({cell, node, slot});
  }
  return h('div.table-scroll', h('table.data.compact.evolution', {'data-table': 'darts-evolution'},
      h('thead', h('tr', h('th', null, 'edge'), epochs.map((e) => h('th', null, String(e.epoch))))),
      h('tbody', rows.map((r) => h('tr', null, h('td', null, `${r.cell} node ${r.node} #${r.slot + 1}`),
          parsed.map((p) => {
            const pair = p && p[r.cell][r.node] && p[r.cell][r.node][r.slot];
            return pair ? h(`td.op.op-${pair.op}`, {title: `${pair.op}(${pair.input})`},
                `${pair.op.replace('_conv', '').replace('_connect', '')}(${pair.input})`) : h('td', null, '');
          }))))));
}

// Depth and total width of each stage after each epoch.
function tfNasEvolution(epochs) {
  const parsed = epochs.map((e) => ({epoch: e.epoch, stages: parseTfNas((e.architecture || {}).text || '')}))
      .filter((p) => p.stages);
  const count = Math.max(0, ...parsed.map((p) => p.stages.length));
  const series = (value) => Array.from({length: count}, (_, s) => ({
    name: `stage ${s + 1}`, kind: 'line',
    points: parsed.filter((p) => p.stages[s]).map((p) => ({x: p.epoch, y: value(p.stages[s])})),
  }));
  return h('div.chart-row',
      lineChart(series((st) => st.length), {id: 'tfnas-depth', title: 'Stage depth', xLabel: 'epoch',
        width: 420, height: 220, legend: true}),
      lineChart(series((st) => st.reduce((a, l) => a + l.width, 0)), {id: 'tfnas-width',
        title: 'Stage width (sum of mid channels)', xLabel: 'epoch', width: 420, height: 220, legend: true}));
}
