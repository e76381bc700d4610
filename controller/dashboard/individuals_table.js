// The individuals of a search as a table: sorts by any column, filters by
// state and by text (architecture, mutation, failure reason, id), and shows
// one page of rows at a time so thousands of individuals stay fast.

import {h, fill, fitnessText, shortCount, stateBadge, stateName, timeText} from './dom.js';
import {num} from './api.js';

const PAGE_ROWS = 50;

const COLUMNS = [
  {key: 'birthOrder', label: '#', value: (i) => num(i.birthOrder)},
  {key: 'id', label: 'id', value: (i) => num(i.id)},
  {key: 'state', label: 'state', value: (i) => stateName(i.state), cell: (i) => stateBadge(i.state)},
  {key: 'fitness', label: 'fitness', value: (i) => (i.state === 'INDIVIDUAL_EVALUATED' ? num(i.fitness) : -Infinity),
    cell: (i) => (i.state === 'INDIVIDUAL_EVALUATED' ? fitnessText(i.fitness) : '–')},
  {key: 'parameterCount', label: 'params', value: (i) => num(i.parameterCount),
    cell: (i) => (num(i.parameterCount) ? shortCount(i.parameterCount) : '–')},
  {key: 'mutation', label: 'mutation', value: (i) => i.mutation || ''},
  {key: 'parentId', label: 'parent', value: (i) => num(i.parentId), cell: (i) => (num(i.parentId) ? i.parentId : '–')},
  {key: 'alive', label: 'alive', value: (i) => (i.alive ? 1 : 0), cell: (i) => (i.alive ? 'yes' : '')},
  {key: 'evaluateTime', label: 'evaluated', value: (i) => i.evaluateTime || '',
    cell: (i) => (i.state === 'INDIVIDUAL_EVALUATED' ? timeText(i.evaluateTime) : '–')},
  {key: 'architecture', label: 'architecture / failure', value: (i) => (i.failureReason || (i.architecture || {}).text || ''),
    cell: (i) => (i.failureReason ? h('span.failure', {title: i.failureReason}, i.failureReason) :
      h('code.arch-inline', {title: (i.architecture || {}).text || ''}, (i.architecture || {}).text || ''))},
];

export class IndividualsTable {
  constructor(onSelect) {
    this.onSelect = onSelect;
    this.sortKey = 'birthOrder';
    this.sortDesc = false;
    this.state = '';
    this.text = '';
    this.page = 0;
    this.selectedId = '';
    this.stateSelect = h('select', {'data-control': 'state-filter', onchange: () => {
      this.state = this.stateSelect.value; this.page = 0; this.render();
    }}, h('option', {value: ''}, 'all states'),
    ['pending', 'evaluated', 'failed', 'infeasible', 'cancelled'].map((s) => h('option', {value: s}, s)));
    this.textInput = h('input', {type: 'search', placeholder: 'filter: architecture, mutation, failure, id',
      'data-control': 'text-filter', oninput: () => {
        this.text = this.textInput.value.trim().toLowerCase(); this.page = 0; this.render();
      }});
    this.summary = h('span.muted', {'data-field': 'table-summary'});
    this.head = h('tr');
    this.body = h('tbody');
    this.pager = h('div.pager');
    this.el = h('div.individuals-table',
        h('div.toolbar', this.stateSelect, this.textInput, this.summary),
        h('div.table-scroll', h('table.data', {'data-table': 'individuals'}, h('thead', this.head), this.body)),
        this.pager);
    this.items = [];
  }

  setItems(items) {
    this.items = items;
    this.render();
  }

  select(id) {
    this.selectedId = String(id || '');
    for (const tr of this.body.children) tr.classList.toggle('selected', tr.dataset.id === this.selectedId);
  }

  filtered() {
    const col = COLUMNS.find((c) => c.key === this.sortKey);
    const rows = this.items.filter((i) => (!this.state || stateName(i.state) === this.state) &&
        (!this.text || `${i.id} ${i.mutation} ${i.failureReason} ${(i.architecture || {}).text}`
            .toLowerCase().includes(this.text)));
    const dir = this.sortDesc ? -1 : 1;
    rows.sort((a, b) => {
      const va = col.value(a);
      const vb = col.value(b);
      return (va < vb ? -1 : va > vb ? 1 : num(a.birthOrder) - num(b.birthOrder)) * dir;
    });
    return rows;
  }

  render() {
    fill(this.head, COLUMNS.map((c) => h('th', {
      'data-sort': c.key, class: c.key === this.sortKey ? (this.sortDesc ? 'sorted desc' : 'sorted asc') : null,
      onclick: () => {
        this.sortDesc = c.key === this.sortKey ? !this.sortDesc : c.key === 'fitness';
        this.sortKey = c.key;
        this.page = 0;
        this.render();
      }}, c.label)));
    const rows = this.filtered();
    const pages = Math.max(1, Math.ceil(rows.length / PAGE_ROWS));
    this.page = Math.min(this.page, pages - 1);
    const shown = rows.slice(this.page * PAGE_ROWS, (this.page + 1) * PAGE_ROWS);
    fill(this.body, shown.map((i) => h('tr', {
      'data-id': i.id, class: i.id === this.selectedId ? 'selected' : null,
      onclick: () => this.onSelect(i.id)}, COLUMNS.map((c) => h('td', null, c.cell ? c.cell(i) : String(c.value(i)))))));
    if (!shown.length) {
      this.body.append(h('tr', null, h('td.muted', {colspan: COLUMNS.length},
          this.items.length ? 'no individual matches the filter' : 'no individuals yet')));
    }
    this.summary.textContent = `${rows.length} of ${this.items.length} individuals`;
    this.summary.dataset.matching = rows.length;
    this.summary.dataset.total = this.items.length;
    fill(this.pager,
        h('button', {disabled: this.page === 0, 'data-control': 'prev-page',
          onclick: () => { this.page--; this.render(); }}, '‹ prev'),
        h('span', {'data-field': 'page'}, ` page ${this.page + 1} of ${pages} `),
        h('button', {disabled: this.page >= pages - 1, 'data-control': 'next-page',
          onclick: () => { this.page++; this.render(); }}, 'next ›'));
  }
}
