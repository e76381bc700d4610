// The architecture weights of supernet and TF-NAS searches over the epochs
// (EpochProgress.architectureWeights): per matrix (DARTS normal/reduce cells,
// PC-DARTS edge weights, TF-NAS stages and depths) each candidate's mean
// weight over the epochs, and the whole matrix at an epoch chosen with a
// slider. A rising skip_connect or pool line is DARTS's known collapse.

import {lineChart} from './chart.js';
import {h, fill} from './dom.js';

// The view for one run's epochs (oldest first), or null when they carry none.
export function architectureWeightsView(epochs) {
  const withWeights = epochs.filter((e) => (e.architectureWeights || []).length);
  if (!withWeights.length) return null;
  const latest = withWeights[withWeights.length - 1];
  const names = latest.architectureWeights.map((m) => m.name);
  const charts = names.map((name, i) => lineChart(
      latest.architectureWeights[i].columns.map((column, c) => ({
        name: column, kind: 'line', markers: withWeights.length < 40,
        points: withWeights.map((e) => {
          const m = (e.architectureWeights || []).find((x) => x.name === name);
          return m ? {x: e.epoch, y: columnMean(m, c)} : null;
        }).filter(Boolean),
      })),
      {id: `weights-${i}`, title: `${name}: mean weight per candidate`, xLabel: 'epoch',
        width: 420, height: 220, legend: true}));
  const matrices = h('div.weights-matrices');
  const label = h('span', {'data-field': 'weights-epoch'});
  const show = (index) => {
    const e = withWeights[index];
    label.textContent = `after epoch ${e.epoch}`;
    fill(matrices, e.architectureWeights.map(heatmap));
  };
  const slider = h('input', {type: 'range', min: 0, max: withWeights.length - 1,
    value: withWeights.length - 1, 'aria-label': 'epoch',
    oninput: (ev) => show(Number(ev.target.value))});
  show(withWeights.length - 1);
  return h('div', {'data-view': 'architecture-weights'},
      h('h3', null, 'Architecture weights over the epochs'),
      h('div.chart-row', charts),
      h('p', null, 'Weights ', label, ' ', slider),
      matrices);
}

function columnMean(m, c) {
  const rows = m.rows.length, cols = m.columns.length;
  let sum = 0;
  for (let r = 0; r < rows; r++) sum += m.weights[r * cols + c];
  return rows ? sum / rows : 0;
}

// Rows x candidates, each cell shaded by its weight relative to the row's
// spread (weights near uniform still show their order), the largest bold.
function heatmap(m) {
  const cols = m.columns.length;
  return h('div.table-scroll', h('table.data.compact.weights', {'data-matrix': m.name},
      h('caption', null, m.name),
      h('thead', h('tr', h('th', null, ''), m.columns.map((c) => h('th', null, c)))),
      h('tbody', m.rows.map((row, r) => {
        const values = m.weights.slice(r * cols, (r + 1) * cols);
        const hi = Math.max(...values), lo = Math.min(...values);
        const best = values.indexOf(hi);
        const shade = (w) => (hi > lo ? 0.1 + 0.8 * (w - lo) / (hi - lo) : 0.3);
        return h('tr', null, h('th', null, row), values.map((w, c) => h(
            c === best ? 'td.best' : 'td',
            {style: `background: rgba(37, 99, 235, ${shade(w).toFixed(3)})`,
              title: `${row}, ${m.columns[c]}: ${w.toFixed(4)}`},
            w.toFixed(2))));
      }))));
}
