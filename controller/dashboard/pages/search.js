// #/searches/ID: one search, live. The summary, the fitness charts, the live
// population, the individuals table, the selected individual (architecture,
// lineage, log) and, for supernet and TF-NAS searches, the epochs.

import {api, num} from '../api.js';
import {h, fill, fitnessText, countText, progressBar, stateBadge, strategyText, spaceText,
  strategyCase, spaceCase, timeText} from '../dom.js';
import {IndividualsCache} from '../individuals_cache.js';
import {IndividualsTable} from '../individuals_table.js';
import {IndividualPanel} from '../individual_panel.js';
import {EpochsView} from '../epochs_view.js';
import {evaluationsInOrder, fitnessByOrder, fitnessByTime, accuracyVsParams, populationView} from '../search_charts.js';

const EPOCH_STRATEGIES = new Set(['supernet', 'tfnas']);

function section(title, ...body) {
  return h('section.card', {'data-section': title.toLowerCase().replace(/[^a-z]+/g, '-')},
      h('h2', null, title), ...body);
}

export class SearchPage {
  constructor(ctx, params) {
    this.ctx = ctx;
    this.id = params.id;
    this.cache = new IndividualsCache(this.id);
    this.table = new IndividualsTable((id) => this.select(id));
    this.panel = new IndividualPanel(this.id, this.cache, (id) => this.select(id), (e) => ctx.reportError(e));
    this.epochs = new EpochsView(this.id);
    this.summary = h('div.summary');
    this.charts = h('div.chart-row');
    this.population = h('div');
    this.epochSection = section('Epochs', this.epochs.el);
    this.epochSection.hidden = true;
    this.el = h('div.page.search-page',
        h('div.page-head', h('h1', {'data-field': 'search-title'}, `Search ${this.id}`),
            h('a', {href: `#/compare?ids=${this.id}`}, 'compare with…')),
        this.summary,
        section('Fitness', this.charts),
        this.epochSection,
        section('Live population', this.population),
        section('Individuals', this.table.el),
        section('Selected individual', this.panel.el));
    this.drawnVersion = -1;
    this.initialSelection = params.query.get('individual') || '';
  }

  async refresh() {
    this.search = await api.getSearch(this.id);
    const s = this.search;
    const running = s.state === 'SEARCH_RUNNING' || num(s.jobsInFlight) > 0;
    await this.cache.refresh({final: !running});
    this.renderSummary();
    const strategy = strategyCase(s.spec);
    if (EPOCH_STRATEGIES.has(strategy)) {
      this.epochSection.hidden = false;
      await this.epochs.refresh();
      this.epochs.render(spaceCase(s.spec));
    }
    if (this.cache.version !== this.drawnVersion) {
      this.drawnVersion = this.cache.version;
      this.renderCharts(strategy);
      this.table.setItems(this.cache.items);
    }
    if (this.initialSelection) {
      const id = this.initialSelection;
      this.initialSelection = '';
      await this.select(id);
    }
    await this.panel.refresh(running);
  }

  async select(id) {
    this.table.select(id);
    await this.panel.select(id, spaceCase(this.search && this.search.spec));
  }

  renderSummary() {
    const s = this.search;
    const spec = s.spec || {};
    const budget = num(spec.budget);
    const spent = num(s.evaluationsDone) + num(s.evaluationsFailed);
    const best = s.best && s.best.id && num(s.best.id) ? s.best : null;
    document.title = `${spec.name || `search ${s.id}`} – NAS dashboard`;
    const fact = (label, field, value) => h('div.fact', h('div.fact-label', null, label),
        h('div.fact-value', {'data-field': field}, value));
    fill(this.summary,
        h('div.summary-head',
            h('span.search-name', {'data-field': 'search-name'}, spec.name || '(unnamed)'),
            stateBadge(s.state),
            h('span.muted', null, `${strategyText(spec)} · ${spaceText(spec)} · created ${timeText(s.createTime)}`),
            s.state === 'SEARCH_RUNNING' ? h('button.danger', {'data-control': 'cancel',
              onclick: () => this.cancel()}, 'Cancel search') : null),
        progressBar(budget ? spent / budget : 0, `${countText(spent)} / ${countText(budget)} evaluations`),
        h('div.facts-row',
            fact('evaluated', 'evaluations-done', countText(s.evaluationsDone)),
            fact('failed', 'evaluations-failed', countText(s.evaluationsFailed)),
            fact('budget', 'budget', countText(budget)),
            fact('in flight', 'jobs-in-flight', countText(s.jobsInFlight)),
            fact('workers busy', 'jobs-leased', countText(s.jobsLeased)),
            fact('best fitness', 'best-fitness', best ? fitnessText(best.fitness) : '–'),
            fact('best individual', 'best-id', best ? h('a', {href: 'javascript:void 0',
              onclick: () => this.select(best.id)}, `#${best.id}`) : '–'),
            fact('individuals loaded', 'individuals-loaded', countText(this.cache.items.length))),
        s.data && s.data.fingerprint ? h('p.muted', null, `data: ${s.data.fingerprint}`) : null);
  }

  renderCharts(strategy) {
    const evals = evaluationsInOrder(this.cache.items);
    const failed = this.cache.items.filter((i) => i.state === 'INDIVIDUAL_FAILED').length;
    const select = (id) => this.select(id);
    fill(this.charts,
        fitnessByOrder(evals, select),
        fitnessByTime(evals, this.search.createTime, select),
        accuracyVsParams(evals, select));
    if (failed && !evals.length) {
      this.charts.append(h('p.error', {'data-field': 'only-failures'},
          `All ${failed} evaluations so far failed; see the failure reasons in the table below.`));
    }
    fill(this.population, populationView(this.cache.items, strategy, select));
  }

  async cancel() {
    if (!confirm(`Cancel search ${this.id}? Pending jobs are dropped.`)) return;
    try {
      this.search = await api.cancelSearch(this.id);
      this.renderSummary();
    } catch (e) {
      this.ctx.reportError(e);
    }
  }
}
