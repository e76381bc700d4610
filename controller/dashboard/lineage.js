// An individual's lineage as a tree: its ancestors (GetLineage, back to a
// root) one row each, with the siblings of each ancestor and the individual's
// own children taken from the loaded individuals; every edge carries the
// mutation that made the child.

import {svg} from './chart.js';
import {h, fitnessText} from './dom.js';
import {num} from './api.js';

const MAX_ROW = 7;      // Nodes drawn per row; the rest are counted.
const MAX_LEVELS = 12;  // Deep lineages show their newest levels.
const NODE_W = 96;
const GAP = 16;
const ROW_H = 78;

function nodeBox(ind, x, y, cls, onSelect) {
  const g = svg('g', {class: `lineage-node ${cls}`, 'data-id': ind.id, transform: `translate(${x},${y})`},
      svg('title', null, `#${ind.id}: ${ind.mutation || 'root'}`),
      svg('rect', {x: -NODE_W / 2, y: -16, width: NODE_W, height: 32, rx: 6}),
      svg('text', {x: 0, y: -2, 'text-anchor': 'middle'}, `#${ind.id}`),
      svg('text', {x: 0, y: 11, 'text-anchor': 'middle', class: 'small'},
          ind.state === 'INDIVIDUAL_EVALUATED' ? fitnessText(ind.fitness) :
            String(ind.state || '').replace('INDIVIDUAL_', '').toLowerCase()));
  g.addEventListener('click', () => onSelect(ind.id));
  return g;
}

export function lineageTree(lineage, cache, onSelect) {
  if (!lineage || !lineage.length) return h('p.muted', null, 'no lineage');
  const selected = lineage[0];
  let path = [...lineage].reverse();  // Root first.
  const hidden = Math.max(0, path.length - MAX_LEVELS);
  path = path.slice(hidden);
  const rows = [];
  path.forEach((ind, k) => {
    const row = k > 0 ? withSome(cache.childrenOf(path[k - 1].id), ind) : {shown: [ind], more: 0};
    rows.push({nodes: row.shown, more: row.more, pathId: ind.id});
  });
  const children = withSome(cache.childrenOf(selected.id), null);
  if (children.shown.length) rows.push({nodes: children.shown, more: children.more, pathId: ''});

  const widest = Math.max(...rows.map((r) => r.nodes.length + (r.more ? 1 : 0)));
  const width = Math.max(320, widest * (NODE_W + GAP) + GAP);
  const top = hidden ? 40 : 26;
  const height = top + rows.length * ROW_H;
  const root = svg('svg', {class: 'lineage', width, height, viewBox: `0 0 ${width} ${height}`,
    'data-levels': lineage.length});
  if (hidden) {
    root.append(svg('text', {x: 8, y: 14, class: 'muted'},
        `${hidden} older ancestors not drawn (root #${lineage[lineage.length - 1].id})`));
  }
  let parentPos = null;
  rows.forEach((row, r) => {
    const y = top + r * ROW_H;
    const count = row.nodes.length + (row.more ? 1 : 0);
    const x0 = width / 2 - ((count - 1) * (NODE_W + GAP)) / 2;
    let pathPos = null;
    row.nodes.forEach((ind, k) => {
      const x = x0 + k * (NODE_W + GAP);
      if (parentPos) {
        // Labels on the lineage's own edges; a sibling's mutation is its tooltip
        // (a row of labels would overlap).
        const onPath = ind.id === row.pathId || (row.pathId === '' && row.nodes.length === 1);
        root.append(svg('line', {x1: parentPos.x, y1: parentPos.y + 16, x2: x, y2: y - 16,
          class: onPath ? 'lineage-edge path' : 'lineage-edge'}, svg('title', null, ind.mutation || '')));
        if (onPath) {
          root.append(svg('text', {x: (parentPos.x + x) / 2 + 6, y: (parentPos.y + y) / 2 + 4, class: 'edge-label'},
              ind.mutation || ''));
        }
      }
      const cls = ind.id === selected.id ? 'selected' : ind.id === row.pathId ? 'path' : 'other';
      root.append(nodeBox(ind, x, y, cls, onSelect));
      if (ind.id === row.pathId) pathPos = {x, y};
    });
    if (row.more) {
      root.append(svg('text', {x: x0 + row.nodes.length * (NODE_W + GAP), y: y + 4, 'text-anchor': 'middle',
        class: 'muted'}, `+${row.more} more`));
    }
    parentPos = pathPos;
  });
  return root;
}

// Up to MAX_ROW of `list` in birth order, always including `must`.
function withSome(list, must) {
  const sorted = [...list].sort((a, b) => num(a.birthOrder) - num(b.birthOrder));
  let shown = sorted.slice(0, MAX_ROW);
  if (must && !shown.some((i) => i.id === must.id)) shown = [...shown.slice(0, MAX_ROW - 1), must];
  const total = Math.max(sorted.length, shown.length);
  return {shown, more: total - shown.length};
}
