// #/compare?ids=3,4: the best-so-far curves of two or more searches on one
// chart, by evaluation count, with a picker to add or drop searches.

import {api, listAllSearches, num} from '../api.js';
import {lineChart, PALETTE} from '../chart.js';
import {h, fill, fitnessText, countText, stateBadge} from '../dom.js';
import {IndividualsCache} from '../individuals_cache.js';
import {evaluationsInOrder, bestSoFar} from '../search_charts.js';

export class ComparePage {
  constructor(ctx, params) {
    this.ctx = ctx;
    this.ids = (params.query.get('ids') || '').split(',').map((s) => s.trim()).filter((s) => /^\d+$/.test(s));
    this.caches = new Map();
    this.chart = h('div.chart-box');
    this.legendBody = h('tbody');
    this.picker = h('div.picker');
    this.el = h('div.page.compare-page',
        h('div.page-head', h('h1', null, 'Compare searches')),
        this.chart,
        h('table.data.compact', {'data-table': 'compare'},
            h('thead', h('tr', ['', 'id', 'name', 'state', 'evaluated', 'best fitness'].map((c) => h('th', null, c)))),
            this.legendBody),
        h('h3', null, 'Searches to compare'), this.picker);
    this.drawn = '';
  }

  async refresh() {
    const searches = await listAllSearches();
    this.renderPicker(searches);
    const chosen = [];
    for (const id of this.ids) {
      if (!this.caches.has(id)) this.caches.set(id, new IndividualsCache(id));
      const search = await api.getSearch(id);
      const cache = this.caches.get(id);
      await cache.refresh({final: search.state !== 'SEARCH_RUNNING' && !num(search.jobsInFlight)});
      chosen.push({search, cache});
    }
    const key = chosen.map((c) => `${c.search.id}:${c.cache.version}:${c.search.state}`).join(',');
    if (key === this.drawn) return;
    this.drawn = key;
    const series = chosen.map(({search, cache}, k) => {
      const evals = evaluationsInOrder(cache.items);
      const points = evals.map((i, n) => ({x: n + 1, y: num(i.fitness)}));
      return {name: `${search.id}: ${(search.spec || {}).name || ''}`, kind: 'step',
        points: bestSoFar(points), color: PALETTE[k % PALETTE.length]};
    });
    fill(this.chart, lineChart(series, {id: 'compare', title: 'Best fitness so far', xLabel: 'evaluations',
      yLabel: 'best fitness', width: 900, height: 380, legend: true,
      empty: this.ids.length ? 'no evaluation yet in these searches' : 'tick two or more searches below'}));
    fill(this.legendBody, chosen.map(({search, cache}, k) => h('tr', {'data-id': search.id},
        h('td', null, h('span.swatch', {style: `background:${PALETTE[k % PALETTE.length]}`})),
        h('td', null, h('a', {href: `#/searches/${search.id}`}, search.id)),
        h('td', null, (search.spec || {}).name || ''),
        h('td', null, stateBadge(search.state)),
        h('td', {'data-field': 'evaluations-done'}, countText(search.evaluationsDone)),
        h('td', {'data-field': 'best-fitness'}, search.best && num(search.best.id) ? fitnessText(search.best.fitness) : '–'))));
  }

  renderPicker(searches) {
    const key = searches.map((s) => s.id).join(',');
    if (key === this.pickerKey) return;
    this.pickerKey = key;
    fill(this.picker, searches.map((s) => h('label.pick',
        h('input', {type: 'checkbox', checked: this.ids.includes(s.id), onchange: (e) => {
          const ids = e.target.checked ? [...this.ids, s.id] : this.ids.filter((i) => i !== s.id);
          location.hash = `#/compare?ids=${ids.join(',')}`;
        }}), ` ${s.id}: ${(s.spec || {}).name || '(unnamed)'}`)));
  }
}
