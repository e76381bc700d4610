// A search's individuals, kept in memory across polls. The first load pages
// through ListIndividuals 1000 at a time; later refreshes re-read only from
// the page holding the earliest individual that can still change (pending),
// so a search with thousands of individuals costs one small request a poll.
// Page tokens stay opaque: the cache remembers where each fetched page began.

import {api} from './api.js';

const FIRST_PAGE = 1000;
const FOLLOW_PAGE = 100;

const FINAL = new Set(['INDIVIDUAL_EVALUATED', 'INDIVIDUAL_FAILED', 'INDIVIDUAL_CANCELLED',
  'INDIVIDUAL_INFEASIBLE']);

export class IndividualsCache {
  constructor(searchId) {
    this.searchId = searchId;
    this.items = [];
    this.byId = new Map();
    this.cursors = [];  // [{token, start}]: a page fetched from `token` began at items[start].
    this.loaded = false;
    this.version = 0;   // Bumped when anything changed: views redraw only then.
    this.requests = 0;  // For the page footer: how much polling costs.
  }

  // Brings the cache up to date; `final` (the search ended and nothing is in
  // flight) lets the last refresh be the last one.
  async refresh({final = false} = {}) {
    if (this.loaded && this.done) return false;
    let from = {token: '', start: 0};
    if (this.loaded) {
      const firstOpen = this.items.findIndex((i) => !FINAL.has(i.state));
      const limit = firstOpen < 0 ? this.items.length : firstOpen;
      for (const c of this.cursors) if (c.start <= limit) from = c;
    }
    const pageSize = this.loaded ? FOLLOW_PAGE : FIRST_PAGE;
    const fetched = [];
    const cursors = [];
    let token = from.token;
    do {
      cursors.push({token, start: from.start + fetched.length});
      this.requests++;
      const page = await api.listIndividuals(this.searchId, token, pageSize);
      fetched.push(...(page.individuals || []));
      token = page.nextPageToken || '';
    } while (token);
    const changed = this.merge(from.start, fetched);
    this.cursors = this.cursors.filter((c) => c.start < from.start).concat(cursors);
    this.loaded = true;
    if (final && this.items.every((i) => FINAL.has(i.state))) this.done = true;
    if (changed) this.version++;
    return changed;
  }

  merge(start, fetched) {
    let changed = this.items.length !== start + fetched.length;
    for (let k = 0; k < fetched.length && !changed; k++) {
      const old = this.items[start + k];
      changed = old.id !== fetched[k].id || old.state !== fetched[k].state ||
          old.alive !== fetched[k].alive;
    }
    this.items.length = start;
    for (const ind of fetched) this.items.push(ind);
    this.byId.clear();
    for (const ind of this.items) this.byId.set(ind.id, ind);
    return changed;
  }

  get(id) {
    return this.byId.get(String(id));
  }

  childrenOf(id) {
    const key = String(id);
    return this.items.filter((i) => i.parentId === key);
  }
}
