// The selected individual: its numbers, its architecture drawn, its lineage
// tree and the log lines its jobs sent (polled while they can still grow).

import {api, num} from './api.js';
import {h, fill, fitnessText, countText, stateBadge, timeText} from './dom.js';
import {drawArchitecture} from './architecture.js';
import {lineageTree} from './lineage.js';

export class IndividualPanel {
  constructor(searchId, cache, onSelect, onError) {
    this.searchId = searchId;
    this.cache = cache;
    this.onSelect = onSelect;
    this.onError = onError;
    this.el = h('div.individual-panel', h('p.muted', null,
        'Select an individual (a table row, a chart point or a population member).'));
    this.id = '';
  }

  async select(id, space) {
    this.id = String(id);
    this.space = space;
    this.lines = [];
    this.logsUnavailable = '';
    this.lineage = null;
    this.details = h('div');
    this.lineageBox = h('div.lineage-box', h('p.muted', null, 'loading lineage…'));
    this.logBox = h('pre.logs', {'data-field': 'logs'});
    this.logNote = h('p.muted', {'data-field': 'logs-note'});
    fill(this.el, this.details,
        h('h3', null, 'Lineage'), this.lineageBox,
        h('h3', null, 'Job log'), this.logNote, this.logBox);
    this.renderDetails();
    const wanted = this.id;
    try {
      const lineage = await api.getLineage(wanted);
      if (wanted !== this.id) return;
      this.lineage = lineage.individuals || [];
      fill(this.lineageBox, lineageTree(this.lineage, this.cache, this.onSelect));
    } catch (e) {
      if (wanted === this.id) fill(this.lineageBox, h('p.error', null, `lineage: ${e.message}`));
      this.onError(e);
    }
    await this.refreshLogs();
  }

  individual() {
    return this.cache.get(this.id) || (this.lineage && this.lineage[0]) || null;
  }

  renderDetails() {
    const ind = this.individual();
    if (!ind) {
      fill(this.details, h('p.muted', null, `individual ${this.id} is not loaded yet`));
      return;
    }
    const metrics = Object.entries(ind.metrics || {}).sort(([a], [b]) => a.localeCompare(b));
    fill(this.details,
        h('h3', {'data-field': 'selected-id'}, `Individual #${ind.id} `, stateBadge(ind.state)),
        h('dl.facts',
            h('dt', null, 'fitness'), h('dd', {'data-field': 'selected-fitness'},
                ind.state === 'INDIVIDUAL_EVALUATED' ? fitnessText(ind.fitness) : '–'),
            h('dt', null, 'parameters'), h('dd', null, num(ind.parameterCount) ? countText(ind.parameterCount) : '–'),
            h('dt', null, 'birth order'), h('dd', null, String(num(ind.birthOrder))),
            h('dt', null, 'parent'), h('dd', null, num(ind.parentId) ?
              h('a', {href: 'javascript:void 0', onclick: () => this.onSelect(ind.parentId)}, `#${ind.parentId}`) : 'none (root)'),
            h('dt', null, 'mutation'), h('dd', null, ind.mutation || '–'),
            h('dt', null, 'alive'), h('dd', null, ind.alive ? 'yes' : 'no'),
            h('dt', null, 'created'), h('dd', null, timeText(ind.createTime)),
            h('dt', null, 'evaluated'), h('dd', null, ind.state === 'INDIVIDUAL_EVALUATED' ? timeText(ind.evaluateTime) : '–'),
            ind.checkpoint ? [h('dt', null, 'checkpoint'), h('dd', null, h('code', null, ind.checkpoint))] : null,
            metrics.map(([k, v]) => [h('dt', null, k), h('dd', null, String(Number(v.toPrecision(6))))])),
        ind.failureReason ? h('p.failure', {'data-field': 'failure-reason'}, `Failed: ${ind.failureReason}`) : null,
        h('h3', null, 'Architecture'),
        drawArchitecture((ind.architecture || {}).text, this.space));
  }

  // Called on every poll; `searchRunning` keeps the log polling going.
  async refresh(searchRunning) {
    if (!this.id) return;
    const ind = this.cache.get(this.id);
    if (ind && (ind.state !== this.shownState || ind.alive !== this.shownAlive)) {
      this.shownState = ind.state;
      this.shownAlive = ind.alive;
      this.renderDetails();
    }
    if (searchRunning || ind?.state === 'INDIVIDUAL_PENDING') await this.refreshLogs();
  }

  async refreshLogs() {
    if (this.logsUnavailable) return;
    const wanted = this.id;
    try {
      for (;;) {
        const page = await api.listLogs(this.searchId, wanted, this.lines.length);
        if (wanted !== this.id) return;
        const got = page.lines || [];
        this.lines.push(...got);
        for (const l of got) {
          this.logBox.append(`${timeText(l.time)} [job ${l.jobId}#${l.attempt} ${l.workerId}] ${l.text}\n`);
        }
        if (got.length < 1000) break;
      }
      this.logNote.textContent = this.lines.length ? `${this.lines.length} lines` : 'no log line yet';
      this.logNote.dataset.count = this.lines.length;
    } catch (e) {
      if (e.httpStatus === 501) {
        this.logsUnavailable = e.message;
        this.logNote.textContent = 'this controller does not serve job logs';
        return;
      }
      this.logNote.textContent = `logs: ${e.message}`;
      this.onError(e);
    }
  }
}
