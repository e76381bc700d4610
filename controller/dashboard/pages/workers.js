// #/workers: the workers heard from within the chosen window, with their
// device, slots, the jobs they hold now (with progress) and last heartbeat.

import {api, num} from '../api.js';
import {h, fill, agoText, progressBar, timeText} from '../dom.js';

const WINDOWS = [[300, '5 minutes'], [3600, 'an hour'], [86400, 'a day'], [604800, 'a week']];

export class WorkersPage {
  constructor(ctx) {
    this.ctx = ctx;
    this.window = 3600;
    this.body = h('tbody');
    this.count = h('span.muted', {'data-field': 'worker-count'});
    const select = h('select', {'data-control': 'window', onchange: () => {
      this.window = Number(select.value);
      ctx.refreshNow();
    }}, WINDOWS.map(([s, label]) => h('option', {value: s, selected: s === this.window}, `seen within ${label}`)));
    this.el = h('div.page.workers-page',
        h('div.page-head', h('h1', null, 'Workers'), this.count, select),
        h('div.table-scroll', h('table.data', {'data-table': 'workers'},
            h('thead', h('tr', ['worker', 'host', 'device', 'model', 'slots', 'job kinds', 'current jobs',
              'last seen', 'first seen'].map((c) => h('th', null, c)))),
            this.body)));
  }

  async refresh() {
    const workers = (await api.listWorkers(this.window)).workers || [];
    this.count.textContent = `${workers.length} workers`;
    this.count.dataset.count = workers.length;
    const now = Date.now();
    fill(this.body, workers.map((w) => h('tr', {'data-id': w.workerId},
        h('td', null, w.workerId),
        h('td', null, w.hostname || '–'),
        h('td', {'data-field': 'device'}, w.device || '–'),
        h('td', null, w.deviceModel || '–'),
        h('td', {'data-field': 'slots'}, `${(w.jobs || []).length} / ${num(w.slots)} busy`),
        h('td.small', null, (w.jobKinds || []).join(', ').toLowerCase()),
        h('td', {'data-field': 'jobs', 'data-count': (w.jobs || []).length},
            (w.jobs || []).length ? (w.jobs || []).map((j) => h('div.job',
                h('a', {href: `#/searches/${j.searchId}?individual=${j.individualId}`},
                    `search ${j.searchId} · #${j.individualId}`),
                h('span.muted', null, ` ${String(j.kind || '').toLowerCase()} (job ${j.jobId}, attempt ${j.attempt}) `),
                progressBar(j.progress))) : h('span.muted', null, 'idle')),
        h('td', {'data-field': 'last-seen', title: timeText(w.lastSeenTime)}, agoText(w.lastSeenTime, now)),
        h('td', null, timeText(w.firstSeenTime)))));
    if (!workers.length) {
      this.body.append(h('tr', null, h('td.muted', {colspan: 9}, 'no worker heard from in this window')));
    }
  }
}
