// Line and scatter charts drawn as SVG: linear axes with rounded ticks,
// several series per chart (lines, step lines, dots), a legend and a title
// on each point. No library: a few shapes are all these charts need.

const NS = 'http://www.w3.org/2000/svg';

export function svg(tag, attrs, ...children) {
  const el = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v !== undefined && v !== null) el.setAttribute(k, String(v));
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

// About `count` round ticks covering [lo, hi].
export function niceTicks(lo, hi, count = 5) {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count;
  const mag = Math.pow(10, Math.floor(Math.log10(raw)));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) || raw;
  const ticks = [];
  for (let t = Math.ceil(lo / step - 1e-9) * step; t <= hi + step * 1e-9; t += step) {
    ticks.push(Number(t.toPrecision(12)));
  }
  return ticks;
}

function tickText(v, format) {
  if (format) return format(v);
  const a = Math.abs(v);
  if (a >= 1e6) return `${(v / 1e6).toPrecision(3)}M`;
  if (a >= 1e4) return `${(v / 1e3).toPrecision(3)}k`;
  return String(Number(v.toPrecision(4)));
}

function extent(values, padFraction) {
  let lo = Math.min(...values);
  let hi = Math.max(...values);
  if (!isFinite(lo)) return [0, 1];
  if (lo === hi) {
    const d = lo === 0 ? 1 : Math.abs(lo) * 0.05;
    return [lo - d, hi + d];
  }
  const pad = (hi - lo) * padFraction;
  return [lo - pad, hi + pad];
}

export const PALETTE = ['#2563eb', '#dc2626', '#16a34a', '#d97706', '#7c3aed', '#0891b2',
  '#db2777', '#4b5563'];

// series: [{name, points: [{x, y, title?}], kind: 'line'|'step'|'dots', color?}]
// options: {title, xLabel, yLabel, width, height, xFormat, yFormat, empty, id}
// Returns an <svg>; with no point at all, a box with `options.empty`.
export function lineChart(series, options = {}) {
  const width = options.width || 520;
  // An empty chart is a short box: no axes to show yet.
  const empty = !series.some((s) => s.points.length);
  const height = empty ? 110 : options.height || 260;
  const withLegend = series.length > 1 || options.legend;
  const m = {left: 56, right: 14, top: (options.title ? 24 : 8) + (withLegend ? 16 : 0), bottom: 40};
  const all = series.flatMap((s) => s.points);
  const root = svg('svg', {
    class: 'chart', width, height, viewBox: `0 0 ${width} ${height}`, role: 'img',
    'data-chart': options.id || '', 'data-points': all.length,
  });
  if (options.title) {
    root.append(svg('text', {x: m.left, y: 16, class: 'chart-title'}, options.title));
  }
  if (!all.length) {
    root.append(svg('text', {x: width / 2, y: height / 2, class: 'chart-empty', 'text-anchor': 'middle'},
        options.empty || 'no data yet'));
    return root;
  }
  const [x0, x1] = options.xDomain || extent(all.map((p) => p.x), 0.02);
  const [y0, y1] = options.yDomain || extent(all.map((p) => p.y), 0.05);
  const pw = width - m.left - m.right;
  const ph = height - m.top - m.bottom;
  const sx = (x) => m.left + ((x - x0) / (x1 - x0)) * pw;
  const sy = (y) => m.top + ph - ((y - y0) / (y1 - y0)) * ph;
  const axes = svg('g', {class: 'axes'});
  for (const t of niceTicks(y0, y1)) {
    if (t < y0 || t > y1) continue;
    axes.append(svg('line', {x1: m.left, x2: m.left + pw, y1: sy(t), y2: sy(t), class: 'grid'}),
        svg('text', {x: m.left - 6, y: sy(t) + 4, 'text-anchor': 'end'}, tickText(t, options.yFormat)));
  }
  for (const t of niceTicks(x0, x1, 6)) {
    if (t < x0 || t > x1) continue;
    axes.append(svg('line', {x1: sx(t), x2: sx(t), y1: m.top + ph, y2: m.top + ph + 4, class: 'tick'}),
        svg('text', {x: sx(t), y: m.top + ph + 16, 'text-anchor': 'middle'}, tickText(t, options.xFormat)));
  }
  axes.append(svg('rect', {x: m.left, y: m.top, width: pw, height: ph, class: 'frame'}));
  if (options.xLabel) {
    axes.append(svg('text', {x: m.left + pw / 2, y: height - 6, 'text-anchor': 'middle', class: 'label'},
        options.xLabel));
  }
  if (options.yLabel) {
    axes.append(svg('text', {x: 12, y: m.top + ph / 2, 'text-anchor': 'middle', class: 'label',
      transform: `rotate(-90 12 ${m.top + ph / 2})`}, options.yLabel));
  }
  root.append(axes);
  series.forEach((s, i) => root.append(drawSeries(s, s.color || PALETTE[i % PALETTE.length], sx, sy)));
  if (withLegend) root.append(legend(series, m.left, m.top - 14, width - m.right));
  return root;
}

function drawSeries(s, color, sx, sy) {
  const g = svg('g', {class: `series series-${s.kind || 'line'}`, 'data-series': s.name || ''});
  if (s.kind === 'dots') {
    // Thousands of points: plain circles, a <title> only when there are few.
    const withTitles = s.points.length <= 2000;
    for (const p of s.points) {
      const c = svg('circle', {cx: sx(p.x).toFixed(1), cy: sy(p.y).toFixed(1), r: s.radius || 2.5,
        fill: p.color || color, class: p.className || null, 'data-id': p.id || null});
      if (withTitles && p.title) c.append(svg('title', null, p.title));
      if (s.onClick && p.id) c.addEventListener('click', () => s.onClick(p));
      g.append(c);
    }
    return g;
  }
  const pts = s.points;
  let d = '';
  pts.forEach((p, i) => {
    const x = sx(p.x).toFixed(1);
    const y = sy(p.y).toFixed(1);
    if (i === 0) {
      d += `M${x},${y}`;
    } else if (s.kind === 'step') {
      d += `H${x}V${y}`;
    } else {
      d += `L${x},${y}`;
    }
  });
  g.append(svg('path', {d, fill: 'none', stroke: color, 'stroke-width': s.strokeWidth || 2,
    'stroke-dasharray': s.dash || null}));
  if (pts.length === 1 || s.markers) {
    for (const p of pts) g.append(svg('circle', {cx: sx(p.x), cy: sy(p.y), r: 3, fill: color}));
  }
  return g;
}

function legend(series, x, y, right) {
  // One line above the plot, wrapping is not needed for the few series drawn.
  const g = svg('g', {class: 'legend'});
  let cx = x;
  series.forEach((s, i) => {
    const color = s.color || PALETTE[i % PALETTE.length];
    const name = s.name || '';
    g.append(svg('rect', {x: cx, y: y - 1, width: 10, height: 10, fill: color}),
        svg('text', {x: cx + 14, y: y + 8}, name));
    cx += 24 + name.length * 6;
    if (cx > right) cx = right;
  });
  return g;
}
