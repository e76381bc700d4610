// Small DOM and formatting helpers shared by the pages.

// h('div.card', {onclick}, child, ...): an element with classes, attributes
// (on* become listeners, data-* stay attributes) and children (strings become
// text nodes; null and false are skipped; arrays are flattened).
// `attrs` may be left out: a node, string, number or array there is a child.
export function h(tag, attrs, ...children) {
  if (attrs instanceof Node || Array.isArray(attrs) || typeof attrs !== 'object' || attrs === null) {
    if (attrs !== null && attrs !== undefined) children.unshift(attrs);
    attrs = null;
  }
  const [name, ...classes] = tag.split('.');
  const el = document.createElement(name || 'div');
  if (classes.length) el.className = classes.join(' ');
  setAttrs(el, attrs);
  append(el, children);
  return el;
}

export function setAttrs(el, attrs) {
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') {
      el.addEventListener(k.slice(2), v);
    } else if (k === 'className') {
      el.className = v;
    } else {
      el.setAttribute(k, v === true ? '' : String(v));
    }
  }
}

export function append(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

// Replaces an element's children.
export function fill(el, ...children) {
  el.replaceChildren();
  return append(el, children);
}

export function fitnessText(v) {
  return v === undefined || v === null ? '–' : Number(v).toFixed(4);
}

export function countText(v) {
  return Number(v || 0).toLocaleString('en-US');
}

// "1.2M", "35.0k", "812".
export function shortCount(v) {
  const n = Number(v || 0);
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)}M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)}k`;
  return String(n);
}

export function timeText(rfc3339) {
  if (!rfc3339) return '–';
  const d = new Date(rfc3339);
  if (isNaN(d) || d.getTime() <= 0) return '–';
  return d.toLocaleString('sv-SE');  // "2024-05-01 13:45:10": sortable, unambiguous.
}

export function agoText(rfc3339, now = Date.now()) {
  if (!rfc3339) return '–';
  const s = Math.max(0, Math.round((now - new Date(rfc3339).getTime()) / 1000));
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ago`;
  return `${Math.floor(s / 86400)} d ago`;
}

export function durationText(seconds) {
  const s = Math.round(seconds);
  if (s < 120) return `${s} s`;
  if (s < 7200) return `${Math.round(s / 60)} min`;
  return `${(s / 3600).toFixed(1)} h`;
}

// "SEARCH_RUNNING" -> "running", "INDIVIDUAL_EVALUATED" -> "evaluated".
export function stateName(state) {
  return String(state || 'unspecified')
      .replace(/^(SEARCH_STATE_|SEARCH_|INDIVIDUAL_STATE_|INDIVIDUAL_)/, '')
      .toLowerCase();
}

export function stateBadge(state) {
  const name = stateName(state);
  return h(`span.badge.state-${name}`, {'data-state': name}, name);
}

export function progressBar(fraction, label) {
  const f = Math.max(0, Math.min(1, Number(fraction) || 0));
  return h('div.progress', {title: label || `${Math.round(f * 100)}%`},
      h('div.progress-fill', {style: `width:${(f * 100).toFixed(1)}%`}),
      h('span.progress-label', null, label || `${Math.round(f * 100)}%`));
}

// The oneof case set in a JSON message, e.g. {agingEvolution: {...}} -> "agingEvolution".
export function oneofCase(message, cases) {
  if (!message) return '';
  return cases.find((c) => message[c] !== undefined && message[c] !== null) || '';
}

const STRATEGIES = {
  random: 'random', agingEvolution: 'aging evolution', nash: 'NASH', supernet: 'supernet',
  tfnas: 'TF-NAS', localSearch: 'local search',
};
const SPACES = {dartsCell: 'DARTS cell', nasbench201: 'NAS-Bench-201', convnet: 'conv net', tfnas: 'TF-NAS'};

export function strategyCase(spec) {
  return oneofCase(spec && spec.strategy, Object.keys(STRATEGIES));
}

export function spaceCase(spec) {
  return oneofCase(spec && spec.space, Object.keys(SPACES));
}

export function strategyText(spec) {
  const c = strategyCase(spec);
  if (c === 'supernet') {
    const method = (spec.strategy.supernet.method || '').replace('METHOD_UNSPECIFIED', '');
    return method ? method.replace('_', '-') : 'supernet';
  }
  return STRATEGIES[c] || 'unknown';
}

export function spaceText(spec) {
  return SPACES[spaceCase(spec)] || 'unknown';
}
