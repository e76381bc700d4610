// #/searches: every search, newest first, with its state, progress against
// the budget, best fitness so far, workers busy and failures. Ticked rows
// open the compare page.

import {listAllSearches, num} from '../api.js';
import {h, fill, fitnessText, countText, progressBar, stateBadge, strategyText, spaceText,
  timeText} from '../dom.js';

export class SearchesPage {
  constructor(ctx) {
    this.ctx = ctx;
    this.ticked = new Set();
    this.body = h('tbody');
    this.compareButton = h('button', {'data-control': 'compare', disabled: true,
      onclick: () => { location.hash = `#/compare?ids=${[...this.ticked].join(',')}`; }}, 'Compare ticked');
    this.count = h('span.muted', {'data-field': 'search-count'});
    this.el = h('div.page.searches-page',
        h('div.page-head', h('h1', null, 'Searches'), this.count, this.compareButton),
        h('div.table-scroll', h('table.data', {'data-table': 'searches'},
            h('thead', h('tr', ['', 'id', 'name', 'strategy', 'space', 'state', 'progress', 'evaluated',
              'failed', 'best fitness', 'workers busy', 'in flight', 'created'].map((c) => h('th', null, c)))),
            this.body)));
  }

  async refresh() {
    const searches = await listAllSearches();
    this.count.textContent = `${searches.length} searches`;
    this.count.dataset.count = searches.length;
    fill(this.body, searches.map((s) => this.row(s)));
    if (!searches.length) {
      this.body.append(h('tr', null, h('td.muted', {colspan: 13},
          'No search yet. Submit one with nasctl (see docs/dashboard.md).')));
    }
    this.compareButton.disabled = this.ticked.size < 2;
  }

  row(s) {
    const spec = s.spec || {};
    const budget = num(spec.budget);
    const spent = num(s.evaluationsDone) + num(s.evaluationsFailed);
    const best = s.best && num(s.best.id) ? s.best : null;
    const tick = h('input', {type: 'checkbox', 'data-control': 'tick', checked: this.ticked.has(s.id),
      onchange: () => {
        if (tick.checked) this.ticked.add(s.id); else this.ticked.delete(s.id);
        this.compareButton.disabled = this.ticked.size < 2;
      }});
    const cell = (field, value) => h('td', {'data-field': field}, value);
    return h('tr', {'data-id': s.id},
        h('td', null, tick),
        h('td', null, h('a', {href: `#/searches/${s.id}`}, s.id)),
        h('td', null, h('a', {href: `#/searches/${s.id}`}, spec.name || '(unnamed)')),
        h('td', null, strategyText(spec)),
        h('td', null, spaceText(spec)),
        h('td', null, stateBadge(s.state)),
        h('td', null, progressBar(budget ? spent / budget : 0, `${spent} / ${budget}`)),
        cell('evaluations-done', countText(s.evaluationsDone)),
        cell('evaluations-failed', countText(s.evaluationsFailed)),
        cell('best-fitness', best ? fitnessText(best.fitness) : '–'),
        cell('jobs-leased', countText(s.jobsLeased)),
        cell('jobs-in-flight', countText(s.jobsInFlight)),
        h('td', null, timeText(s.createTime)));
  }
}
