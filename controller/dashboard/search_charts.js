// The search page's charts: fitness of every evaluation against evaluation
// order and against time with the best-so-far curve, accuracy against
// parameter count with its Pareto front, and the live population.

import {lineChart, PALETTE} from './chart.js';
import {h, fitnessText, shortCount, durationText} from './dom.js';
import {num} from './api.js';

// Evaluated individuals in the order their evaluations ended.
export function evaluationsInOrder(items) {
  return items.filter((i) => i.state === 'INDIVIDUAL_EVALUATED').sort((a, b) =>
    (a.evaluateTime || '').localeCompare(b.evaluateTime || '') || num(a.birthOrder) - num(b.birthOrder));
}

// [{x, y}] of the running maximum of `points` (sorted by x).
export function bestSoFar(points) {
  const out = [];
  let best = -Infinity;
  for (const p of points) {
    if (p.y > best) {
      best = p.y;
      out.push({x: p.x, y: best});
    }
  }
  if (out.length && points.length) out.push({x: points[points.length - 1].x, y: best});
  return out;
}

const title = (i) => `#${i.id} fitness ${fitnessText(i.fitness)}`;

export function fitnessByOrder(evals, onSelect) {
  const points = evals.map((i, k) => ({x: k + 1, y: num(i.fitness), id: i.id, title: title(i)}));
  return lineChart([
    {name: 'evaluation', kind: 'dots', points, color: '#93c5fd', onClick: (p) => onSelect(p.id)},
    {name: 'best so far', kind: 'step', points: bestSoFar(points), color: PALETTE[1]},
  ], {id: 'fitness-by-order', title: 'Fitness by evaluation order', xLabel: 'evaluation',
    yLabel: 'fitness', width: 430, empty: 'no evaluation yet'});
}

export function fitnessByTime(evals, createTime, onSelect) {
  const t0 = new Date(createTime || 0).getTime();
  const points = evals.filter((i) => i.evaluateTime).map((i) => ({
    x: (new Date(i.evaluateTime).getTime() - t0) / 1000, y: num(i.fitness), id: i.id, title: title(i),
  })).sort((a, b) => a.x - b.x);
  return lineChart([
    {name: 'evaluation', kind: 'dots', points, color: '#93c5fd', onClick: (p) => onSelect(p.id)},
    {name: 'best so far', kind: 'step', points: bestSoFar(points), color: PALETTE[1]},
  ], {id: 'fitness-by-time', title: 'Fitness over time', xLabel: 'time since submit',
    yLabel: 'fitness', xFormat: durationText, width: 430, empty: 'no evaluation yet'});
}

// The points no other point beats on both fewer parameters and higher
// fitness, by parameter count.
export function paretoFront(points) {
  const sorted = [...points].sort((a, b) => a.x - b.x || b.y - a.y);
  const front = [];
  for (const p of sorted) if (!front.length || p.y > front[front.length - 1].y) front.push(p);
  return front;
}

export function accuracyVsParams(evals, onSelect) {
  const points = evals.filter((i) => num(i.parameterCount) > 0).map((i) => ({
    x: num(i.parameterCount), y: num(i.fitness), id: i.id,
    title: `${title(i)}, ${shortCount(i.parameterCount)} parameters`,
  }));
  const front = paretoFront(points);
  return lineChart([
    {name: 'evaluation', kind: 'dots', points, color: '#93c5fd', onClick: (p) => onSelect(p.id)},
    {name: 'Pareto front', kind: 'step', points: front, color: PALETTE[2], markers: true},
  ], {id: 'pareto', title: 'Accuracy vs parameters', xLabel: 'parameters', yLabel: 'fitness', width: 430,
    empty: evals.length ? 'no parameter counts reported (table lookups have none)' : 'no evaluation yet'});
}

// Alive members, fittest first; a strategy without a population says so.
export function populationView(items, strategy, onSelect) {
  const alive = items.filter((i) => i.alive)
      .sort((a, b) => num(b.fitness) - num(a.fitness) || num(a.birthOrder) - num(b.birthOrder));
  const box = h('div.population', {'data-alive': alive.length});
  if (!alive.length) {
    box.append(h('p.muted', null, strategy === 'agingEvolution' ?
      'no live member yet' : 'this strategy keeps no population'));
    return box;
  }
  const maxBirth = Math.max(...items.map((i) => num(i.birthOrder)));
  box.append(h('p', null, `${alive.length} live members`),
      h('table.data.compact', {'data-table': 'population'},
          h('thead', h('tr', ['id', 'fitness', 'age', 'mutation'].map((c) => h('th', null, c)))),
          h('tbody', alive.map((i) => h('tr', {'data-id': i.id, onclick: () => onSelect(i.id)},
              h('td', null, i.id),
              h('td', null, i.state === 'INDIVIDUAL_EVALUATED' ? fitnessText(i.fitness) : 'pending'),
              h('td', null, String(maxBirth - num(i.birthOrder))),
              h('td', null, i.mutation || ''))))));
  return box;
}
