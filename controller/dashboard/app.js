// The dashboard's shell: hash routing, a poll every 2 s of the page shown,
// the error banner and the token prompt (on 401; the token is kept in
// localStorage and sent as "Authorization: Bearer").

import {getToken, setToken} from './api.js';
import {h, fill} from './dom.js';
import {SearchesPage} from './pages/searches.js';
import {SearchPage} from './pages/search.js';
import {WorkersPage} from './pages/workers.js';
import {ComparePage} from './pages/compare.js';

const POLL_MS = 2000;

const ROUTES = [
  [/^\/?$/, SearchesPage, 'searches'],
  [/^\/searches\/?$/, SearchesPage, 'searches'],
  [/^\/searches\/(\d+)$/, SearchPage, 'searches'],
  [/^\/workers$/, WorkersPage, 'workers'],
  [/^\/compare$/, ComparePage, 'compare'],
];

const main = document.getElementById('main');
const banner = document.getElementById('error-banner');
const status = document.getElementById('poll-status');
const dialog = document.getElementById('token-dialog');

let page = null;
let timer = null;
let generation = 0;
let refreshing = false;

const ctx = {
  reportError: (e) => showError(e),
  refreshNow: () => poll(generation),
};

function parseHash() {
  const raw = decodeURIComponent(location.hash.replace(/^#/, ''));
  const [path, q] = raw.split('?');
  return {path: path || '/', query: new URLSearchParams(q || '')};
}

function route() {
  const {path, query} = parseHash();
  generation++;
  clearTimeout(timer);
  hideError();
  const match = ROUTES.find(([re]) => re.test(path));
  for (const a of document.querySelectorAll('nav a')) {
    a.classList.toggle('active', !!match && a.dataset.nav === match[2]);
  }
  if (!match) {
    page = null;
    fill(main, h('div.page', h('h1', null, 'Not found'),
        h('p.error', {role: 'alert'}, `No page at #${path}. `, h('a', {href: '#/searches'}, 'All searches'))));
    return;
  }
  const [re, Page] = match;
  const m = path.match(re);
  page = new Page(ctx, {id: m[1], query});
  fill(main, page.el);
  poll(generation);
}

async function poll(gen) {
  if (gen !== generation || !page) return;
  clearTimeout(timer);
  if (!refreshing) {
    refreshing = true;
    const current = page;
    try {
      await current.refresh();
      if (gen === generation) {
        hideError();
        status.textContent = `updated ${new Date().toLocaleTimeString('sv-SE')}`;
        status.dataset.polls = String(Number(status.dataset.polls || 0) + 1);
      }
    } catch (e) {
      if (gen === generation) showError(e);
    } finally {
      refreshing = false;
    }
  }
  if (gen === generation) timer = setTimeout(() => poll(gen), POLL_MS);
}

function showError(e) {
  if (e && e.httpStatus === 401) {
    askForToken(e.message);
    return;
  }
  const where = e && e.path ? ` (${e.path})` : '';
  fill(banner, h('strong', null, 'Error: '), `${(e && e.message) || e}${where}`,
      e && e.httpStatus === 0 ? ' – retrying every 2 s.' : '');
  banner.hidden = false;
}

function hideError() {
  banner.hidden = true;
}

function askForToken(message) {
  if (dialog.open) return;
  const input = dialog.querySelector('input');
  dialog.querySelector('[data-field="token-message"]').textContent =
      getToken() ? `The saved token was refused (${message}).` : 'This controller requires a token.';
  input.value = '';
  dialog.showModal();
}

dialog.querySelector('form').addEventListener('submit', (e) => {
  e.preventDefault();
  setToken(dialog.querySelector('input').value.trim());
  dialog.close();
  route();
});

document.getElementById('forget-token').addEventListener('click', () => {
  setToken('');
  route();
});

window.addEventListener('hashchange', route);
route();
