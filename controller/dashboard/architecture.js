// Draws an architecture from its canonical text (proto Architecture.text; the
// grammars are in common/genome/): DARTS cells as graphs (normal and
// reduction), NAS-Bench-201 cells, NASH conv nets and TF-NAS stages. Text
// that does not parse is shown as it is, never dropped.

import {svg} from './chart.js';
import {h} from './dom.js';

const OP_COLORS = {
  sep_conv_3x3: '#2563eb', sep_conv_5x5: '#1e40af', dil_conv_3x3: '#16a34a',
  dil_conv_5x5: '#166534', max_pool_3x3: '#dc2626', avg_pool_3x3: '#d97706',
  skip_connect: '#6b7280', none: '#d1d5db', nor_conv_1x1: '#16a34a', nor_conv_3x3: '#2563eb',
};
const opColor = (op) => OP_COLORS[op] || '#7c3aed';

// "normal: op(i)+op(j) | ... ; reduce: ..." -> {normal: [[{op, input}, ...], ...], reduce}
export function parseDarts(text) {
  const cells = {};
  for (const part of text.split(';')) {
    const m = part.trim().match(/^(normal|reduce)\s*:(.*)$/);
    if (!m) return null;
    cells[m[1]] = m[2].split('|').map((node) => node.split('+').map((pair) => {
      const p = pair.trim().match(/^([a-z0-9_]+)\((\d+)\)$/);
      if (!p) throw new Error(`bad pair '${pair}'`);
      return {op: p[1], input: Number(p[2])};
    }));
  }
  return cells.normal && cells.reduce ? cells : null;
}

// "|op~0|+|op~0|op~1|+|...|" -> [{from, to, op}] (6 edges).
export function parseNb201(text) {
  const groups = text.split('+');
  if (groups.length !== 3) return null;
  const edges = [];
  groups.forEach((g, j) => {
    for (const e of g.split('|').filter(Boolean)) {
      const m = e.match(/^([a-z0-9_]+)~(\d+)$/);
      if (!m) throw new Error(`bad edge '${e}'`);
      edges.push({from: Number(m[2]), to: j + 1, op: m[1]});
    }
  });
  return edges;
}

// "conv3x8 pool conv3x16 add(0,2)" -> {layers: [{kind, kernel, width}], skips: [{kind, from, to}]}
export function parseConvNet(text) {
  const layers = [];
  const skips = [];
  for (const tok of text.replace(/\(\s*(\d+)\s*,\s*(\d+)\s*\)/g, '($1,$2)').split(/\s+/).filter(Boolean)) {
    let m;
    if ((m = tok.match(/^conv(\d+)x(\d+)$/))) {
      layers.push({kind: 'conv', kernel: Number(m[1]), width: Number(m[2])});
    } else if (tok === 'pool') {
      layers.push({kind: 'pool'});
    } else if ((m = tok.match(/^(add|concat)\((\d+),(\d+)\)$/))) {
      skips.push({kind: m[1], from: Number(m[2]), to: Number(m[3])});
    } else {
      return null;
    }
  }
  return layers.length ? {layers, skips} : null;
}

// "k3e6w96 k5e3w48 | k7e6w120" -> [[{kernel, expansion, width}]]
export function parseTfNas(text) {
  const stages = text.split('|').map((s) => s.trim().split(/\s+/).filter(Boolean).map((l) => {
    const m = l.match(/^k(\d+)e(\d+)w(\d+)$/);
    if (!m) throw new Error(`bad layer '${l}'`);
    return {kernel: Number(m[1]), expansion: Number(m[2]), width: Number(m[3])};
  }));
  return stages.length && stages.every((s) => s.length) ? stages : null;
}

function node(x, y, label, cls) {
  const w = Math.max(34, label.length * 7 + 12);
  return svg('g', {class: `arch-node ${cls || ''}`},
      svg('rect', {x: x - w / 2, y: y - 12, width: w, height: 24, rx: 6}),
      svg('text', {x, y: y + 4, 'text-anchor': 'middle'}, label));
}

// A curved edge a -> b with `label` at its middle; `bend` lifts the curve.
function edge(a, b, label, color, bend, dashed) {
  const mx = (a.x + b.x) / 2;
  const my = (a.y + b.y) / 2 - bend;
  const g = svg('g', {class: 'arch-edge'},
      svg('path', {d: `M${a.x},${a.y} Q${mx},${my} ${b.x},${b.y}`, fill: 'none', stroke: color,
        'stroke-width': 2, 'stroke-dasharray': dashed ? '4 3' : null, 'marker-end': 'url(#arrow)'}));
  if (label) {
    // The quadratic curve passes through the control point's half-way mark.
    const lx = (a.x + 2 * mx + b.x) / 4;
    const ly = (a.y + 2 * my + b.y) / 4;
    g.append(svg('text', {x: lx, y: ly - 3, 'text-anchor': 'middle', fill: color, class: 'edge-label'},
        label));
  }
  return g;
}

function arrowDefs() {
  return svg('defs', null, svg('marker', {id: 'arrow', viewBox: '0 0 10 10', refX: 20, refY: 5,
    markerWidth: 6, markerHeight: 6, orient: 'auto-start-reverse'},
  svg('path', {d: 'M0,0 L10,5 L0,10 z', fill: '#6b7280'})));
}

function dartsCellSvg(nodes, title) {
  const n = nodes.length;
  const colW = 120;
  const width = colW * (n + 2) + 20;
  const height = 240;
  const pos = [{x: 60, y: 60}, {x: 60, y: 180}];
  for (let i = 0; i < n; i++) pos.push({x: 60 + colW * (i + 1), y: i % 2 ? 165 : 75});
  const out = {x: 60 + colW * (n + 1), y: 120};
  const root = svg('svg', {class: 'arch darts-cell', width, height, viewBox: `0 0 ${width} ${height}`,
    'data-cell': title, 'data-nodes': n});
  root.append(arrowDefs(), svg('text', {x: 8, y: 16, class: 'chart-title'}, `${title} cell`));
  nodes.forEach((pairs, i) => pairs.forEach((p, k) => {
    const from = pos[p.input];
    const to = pos[i + 2];
    if (!from) return;
    const span = i + 2 - p.input;
    root.append(edge(from, to, p.op, opColor(p.op), (k ? -1 : 1) * (10 + 8 * span), false));
  }));
  for (let i = 0; i < n; i++) root.append(edge(pos[i + 2], out, '', '#9ca3af', 0, true));
  root.append(node(pos[0].x, pos[0].y, 'c_{k-2}', 'input'), node(pos[1].x, pos[1].y, 'c_{k-1}', 'input'));
  for (let i = 0; i < n; i++) root.append(node(pos[i + 2].x, pos[i + 2].y, String(i), 'inner'));
  root.append(node(out.x, out.y, 'c_{k}', 'output'));
  return root;
}

function nb201Svg(edges) {
  const pos = [0, 1, 2, 3].map((i) => ({x: 50 + i * 150, y: 150}));
  const root = svg('svg', {class: 'arch nb201-cell', width: 560, height: 200, viewBox: '0 0 560 200'});
  root.append(arrowDefs());
  for (const e of edges) {
    const span = e.to - e.from;
    root.append(edge(pos[e.from], pos[e.to], e.op, opColor(e.op), 35 * span + (span === 1 ? -25 : 0),
        e.op === 'none'));
  }
  pos.forEach((p, i) => root.append(node(p.x, p.y, String(i), i === 0 ? 'input' : i === 3 ? 'output' : 'inner')));
  return root;
}

function convNetSvg(net) {
  const boxW = 78;
  const gap = 18;
  const n = net.layers.length;
  const x = (i) => 20 + i * (boxW + gap) + boxW / 2;  // i == n: the head.
  const width = x(n) + boxW / 2 + 20;
  const maxSpan = Math.max(1, ...net.skips.map((s) => s.to - s.from));
  const base = 60 + Math.min(120, maxSpan * 18);
  const root = svg('svg', {class: 'arch convnet', width, height: base + 40, viewBox: `0 0 ${width} ${base + 40}`});
  root.append(arrowDefs());
  for (const s of net.skips) {
    const a = {x: x(s.from), y: base - 12};
    const b = {x: x(s.to), y: base - 12};
    root.append(edge(a, b, s.kind, s.kind === 'add' ? '#16a34a' : '#d97706', Math.min(120, (s.to - s.from) * 18), true));
  }
  net.layers.forEach((l, i) => {
    root.append(edge({x: x(i), y: base}, {x: x(i + 1), y: base}, '', '#9ca3af', 0, false));
    root.append(node(x(i), base, l.kind === 'conv' ? `conv${l.kernel}x${l.width}` : 'pool',
        l.kind === 'conv' ? 'inner' : 'pool'));
  });
  root.append(node(x(n), base, 'head', 'output'));
  return root;
}

function tfNasSvg(stages) {
  const colW = 96;
  const rowH = 30;
  const maxDepth = Math.max(...stages.map((s) => s.length));
  const width = 20 + colW * stages.length;
  const height = 44 + rowH * maxDepth;
  const root = svg('svg', {class: 'arch tfnas', width, height, viewBox: `0 0 ${width} ${height}`});
  stages.forEach((layers, s) => {
    const cx = 10 + colW * s + colW / 2;
    root.append(svg('text', {x: cx, y: 16, 'text-anchor': 'middle', class: 'chart-title'}, `stage ${s + 1}`));
    layers.forEach((l, i) => {
      const w = 60 + (l.expansion === 6 ? 20 : 0);
      root.append(svg('g', {class: 'arch-node'},
          svg('rect', {x: cx - w / 2, y: 26 + i * rowH, width: w, height: rowH - 6, rx: 5,
            fill: l.kernel === 3 ? '#dbeafe' : l.kernel === 5 ? '#bfdbfe' : '#93c5fd'}),
          svg('text', {x: cx, y: 26 + i * rowH + 16, 'text-anchor': 'middle'}, `k${l.kernel} e${l.expansion} w${l.width}`)));
    });
  });
  return root;
}

// The drawing of `text` for a search space ("dartsCell", "nasbench201",
// "convnet", "tfnas"), with the text itself beneath.
export function drawArchitecture(text, space) {
  const box = h('div.architecture', {'data-space': space});
  if (!text) return h('div.architecture.muted', null, 'no architecture');
  try {
    if (space === 'dartsCell') {
      const cells = parseDarts(text);
      if (cells) box.append(dartsCellSvg(cells.normal, 'normal'), dartsCellSvg(cells.reduce, 'reduction'));
    } else if (space === 'nasbench201') {
      const edges = parseNb201(text);
      if (edges) box.append(nb201Svg(edges));
    } else if (space === 'convnet') {
      const net = parseConvNet(text);
      if (net) box.append(convNetSvg(net));
    } else if (space === 'tfnas') {
      const stages = parseTfNas(text);
      if (stages) box.append(tfNasSvg(stages));
    }
  } catch (e) {
    box.append(h('p.muted', null, `cannot draw this architecture: ${e.message}`));
  }
  box.append(h('code.arch-text', null, text));
  return box;
}
