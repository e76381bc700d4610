// Drives the dashboard in Debian's chromium (puppeteer-core) against a real
// controller and a real table-lookup worker: submits searches through the
// JSON API, loads every page, and checks that what the pages show equals
// what the API says, that a live search advances without a reload, and that
// no console error or failed request occurs. Screenshots of every page go to
// $TEST_UNDECLARED_OUTPUTS_DIR; one JUnit testcase per check to $XML_OUTPUT_FILE.
//
// Environment: DASH_URL (the controller's HTTP root), CONTROLLER_ADDR (its
// gRPC host:port, for the worker), WORKER_BIN, NAS_SHARED_DATA, NAS_NODE_MODULES.
import fs from 'node:fs';
import path from 'node:path';
import {createRequire} from 'node:module';
import {apiCall, allIndividuals, waitFor, startProcess, Checks, assertEqual} from './harness.mjs';
import {agingEvolution, randomLookup, supernetSearch, trainingSearch} from './specs.mjs';

const env = process.env;
for (const name of ['DASH_URL', 'CONTROLLER_ADDR', 'WORKER_BIN', 'NAS_SHARED_DATA', 'NAS_NODE_MODULES']) {
  if (!env[name]) {
    console.error(`${name} is not set: run through tests/dashboard/dashboard_test.sh (scripts/test.sh)`);
    process.exit(2);
  }
}
const puppeteer = createRequire(path.join(env.NAS_NODE_MODULES, 'x.js'))('puppeteer-core');
const base = env.DASH_URL;
const outDir = env.TEST_UNDECLARED_OUTPUTS_DIR || fs.mkdtempSync('/tmp/dashboard-');
const tmpDir = env.TEST_TMPDIR || outDir;
const table = `${env.NAS_SHARED_DATA}/nasbench201/nb201_cifar10_test_acc.csv`;
const digits = `${env.NAS_SHARED_DATA}/digits/digits.csv.gz`;
const checks = new Checks('dashboard');
const children = [];
process.on('exit', () => children.forEach((c) => c.kill('SIGKILL')));

const countText = (v) => Number(v || 0).toLocaleString('en-US');
const fitnessText = (v) => Number(v).toFixed(4);
const getSearch = (id) => apiCall(base, 'GET', `/v1/searches/${id}`);
const create = async (spec) => (await apiCall(base, 'POST', '/v1/searches', {spec})).id;
const ended = (s) => s.state !== 'SEARCH_RUNNING' && Number(s.jobsInFlight) === 0;
const waitEnded = (id, ms) => waitFor(`search ${id} to end`, async () => {
  const s = await getSearch(id);
  return ended(s) ? s : null;
}, ms, 500);

const browser = await puppeteer.launch({
  executablePath: env.CHROMIUM || '/usr/bin/chromium',
  // The token check's controller has a throwaway self-signed certificate.
  args: ['--no-sandbox', '--headless=new', '--disable-gpu', '--disable-dev-shm-usage', '--ignore-certificate-errors'],
  defaultViewport: {width: 1400, height: 900},
});
const page = await browser.newPage();
const consoleErrors = [];
const failedRequests = [];
page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(m.text()); });
page.on('pageerror', (e) => consoleErrors.push(`uncaught: ${e.message}`));
page.on('requestfailed', (r) => failedRequests.push(`${r.url()}: ${(r.failure() || {}).errorText}`));
page.on('response', (r) => { if (r.status() >= 400) failedRequests.push(`HTTP ${r.status()} ${r.url()}`); });

const text = (sel) => page.$eval(sel, (e) => e.textContent.trim());
const shown = (sel) => page.$(sel).then((e) => !!e);
const attr = (sel, name) => page.$eval(sel, (e, n) => e.getAttribute(n), name);
// The live page redraws every few seconds; a click that lands as its element is
// replaced fails with "Node is detached from document" and did nothing, so it
// is tried again on the redrawn element.
const click = (sel) => waitFor(`a click on ${sel}`, async () => {
  await page.click(sel);
  return true;
}, 10000);
const shot = (name) => page.screenshot({path: path.join(outDir, `${name}.png`), fullPage: true});
async function open(hash) {
  await page.goto(`${base}/#${hash}`, {waitUntil: 'domcontentloaded'});
  await waitFor(`${hash} to be polled`, () => attr('#poll-status', 'data-polls'), 20000);
}
const polls = async () => Number(await attr('#poll-status', 'data-polls'));

// The search page shows exactly the API's numbers once it caught up.
async function checkSearchPage(label, id) {
  const s = await getSearch(id);
  const individuals = await allIndividuals(base, id);
  const evaluated = individuals.filter((i) => i.state === 'INDIVIDUAL_EVALUATED');
  const failed = individuals.filter((i) => i.state === 'INDIVIDUAL_FAILED');
  await open(`/searches/${id}`);
  await waitFor(`the ${label} search page to load ${individuals.length} individuals`, async () =>
    (await text('[data-field="individuals-loaded"]')) === countText(individuals.length), 60000);
  assertEqual(await text('[data-field="evaluations-done"]'), countText(s.evaluationsDone), 'evaluated');
  assertEqual(await text('[data-field="evaluations-failed"]'), countText(s.evaluationsFailed), 'failed');
  assertEqual(await text('[data-field="budget"]'), countText(s.spec.budget), 'budget');
  assertEqual(await text('[data-field="best-fitness"]'), s.best && Number(s.best.id) ? fitnessText(s.best.fitness) : '–',
      'best fitness');
  assertEqual(await attr('.badge[data-state]', 'data-state'), s.state.replace('SEARCH_', '').toLowerCase(), 'state');
  assertEqual(Number(await attr('[data-field="table-summary"]', 'data-total')), individuals.length, 'table rows');
  const dots = await page.$$eval('svg[data-chart="fitness-by-order"] g[data-series="evaluation"] circle', (c) => c.length);
  assertEqual(dots, evaluated.length, 'evaluations drawn by evaluation order');
  assertEqual(evaluated.length, Number(s.evaluationsDone), 'API individuals evaluated vs Search.evaluations_done');
  await page.select('[data-control="state-filter"]', 'failed');
  assertEqual(Number(await attr('[data-field="table-summary"]', 'data-matching')), failed.length, 'failed rows');
  await page.select('[data-control="state-filter"]', '');
  return {s, individuals, evaluated, failed};
}

try {
  // A search no worker can run, and a live one submitted before any worker.
  const waiting = await create(trainingSearch('waits for a training worker', digits));
  const live = await create(agingEvolution('live aging evolution', table, 100000, 11));

  await checks.check('searches page lists the submitted searches', async () => {
    await open('/searches');
    await waitFor('2 searches', async () => (await attr('[data-field="search-count"]', 'data-count')) === '2');
  });

  await checks.check('live search: no evaluation before a worker runs', async () => {
    await open(`/searches/${live}`);
    await waitFor('evaluated 0', async () => (await text('[data-field="evaluations-done"]')) === '0');
    assertEqual(await text('[data-field="best-fitness"]'), '–', 'best fitness');
    assertEqual(await text('svg[data-chart="fitness-by-order"] .chart-empty'), 'no evaluation yet', 'empty chart');
    await shot('search-before-worker');
  });

  await checks.check('live search: progress advances without a reload', async () => {
    await page.evaluate(() => { window.noReloadMarker = true; });
    children.push(startProcess([env.WORKER_BIN, `--controller=${env.CONTROLLER_ADDR}`, '--worker_id=dash-lookup',
      '--device=cpu', '--threads=1', '--job_kinds=table_lookup'], path.join(tmpDir, 'worker.log')));
    const read = async () => Number((await text('[data-field="evaluations-done"]')).replace(/,/g, ''));
    const first = await waitFor('a first evaluation on the page', async () => (await read()) > 0 && read(), 60000);
    const pollsBefore = await polls();
    const later = await waitFor('more evaluations on the page', async () => (await read()) > first && read(), 30000);
    if (!(await polls() > pollsBefore)) throw new Error('the page was not polled');
    if (!(await page.evaluate(() => window.noReloadMarker === true))) throw new Error('the page reloaded');
    const dots = await page.$$eval('svg[data-chart="fitness-by-order"] g[data-series="evaluation"] circle', (c) => c.length);
    if (dots === 0) throw new Error('no evaluation drawn');
    console.log(`live: ${first} then ${later} evaluations shown`);
    await shot('search-live');
  });

  await checks.check('live search: cancelled from the page', async () => {
    page.once('dialog', (d) => d.accept());
    await click('[data-control="cancel"]');
    await waitFor('the cancelled badge', async () => (await attr('.badge[data-state]', 'data-state')) === 'cancelled');
    assertEqual((await getSearch(live)).state, 'SEARCH_CANCELLED', 'API state');
    await waitEnded(live, 60000);
  });

  const one = await create(randomLookup('exactly one evaluation', table, 1));
  const failing = await create(randomLookup('only failures', table, 3, 'no_such_column'));
  const thousands = await create(agingEvolution('3000 table lookups', table, 3000, 7));
  for (const id of [one, failing]) await waitEnded(id, 60000);
  await waitEnded(thousands, 300000);

  await checks.check('search with no evaluation (no worker of its kind)', async () => {
    const {individuals} = await checkSearchPage('waiting', waiting);
    await page.select('[data-control="state-filter"]', 'pending');
    assertEqual(Number(await attr('[data-field="table-summary"]', 'data-matching')), individuals.length, 'pending rows');
    await page.select('[data-control="state-filter"]', '');
    // Its candidates are DARTS cells: both cells drawn with 3 nodes each.
    await click('table[data-table="individuals"] tbody tr');
    await waitFor('two DARTS cells drawn', async () =>
      (await page.$$eval('svg.darts-cell[data-nodes="3"]', (s) => s.length)) === 2);
    await shot('search-no-evaluation');
  });

  await checks.check('search with exactly one evaluation', async () => {
    const {evaluated} = await checkSearchPage('one', one);
    assertEqual(evaluated.length, 1, 'evaluations');
    await shot('search-one-evaluation');
  });

  await checks.check('search with only failures shows them and their reasons', async () => {
    const {failed, evaluated} = await checkSearchPage('failures', failing);
    if (!failed.length || evaluated.length) throw new Error(`${failed.length} failed, ${evaluated.length} evaluated`);
    await waitFor('the only-failures note', () => shown('[data-field="only-failures"]'));
    const reasons = await page.$$eval('table[data-table="individuals"] span.failure', (s) => s.map((e) => e.textContent));
    assertEqual(reasons[0], failed[0].failureReason, 'failure reason of the first row');
    await shot('search-only-failures');
  });

  await checks.check('cancelled search after the live run', async () => {
    await checkSearchPage('cancelled', live);
    await shot('search-cancelled');
  });

  await checks.check('search with 3000 individuals: numbers, paging, sorting', async () => {
    const {s, individuals} = await checkSearchPage('thousands', thousands);
    assertEqual(individuals.length, 3000, 'individuals');
    assertEqual(await text('[data-field="page"]'), 'page 1 of 60', 'pager');
    await click('th[data-sort="fitness"]');
    const top = await attr('table[data-table="individuals"] tbody tr', 'data-id');
    const topFitness = individuals.find((i) => i.id === top).fitness;
    assertEqual(fitnessText(topFitness), fitnessText(s.best.fitness), 'fittest row');
    await page.type('[data-control="text-filter"]', 'nor_conv_3x3~0|+|nor_conv_3x3~0|');
    const matching = individuals.filter((i) => i.architecture.text.includes('nor_conv_3x3~0|+|nor_conv_3x3~0|')).length;
    assertEqual(Number(await attr('[data-field="table-summary"]', 'data-matching')), matching, 'text filter rows');
    const alive = individuals.filter((i) => i.alive).length;
    assertEqual(Number(await attr('.population', 'data-alive')), alive, 'live population');
  });

  await checks.check('selected individual: architecture, lineage tree, log', async () => {
    const s = await getSearch(thousands);
    await click('[data-field="best-id"] a');
    await waitFor('the selected panel', async () => (await shown('svg.lineage')) && shown('svg.nb201-cell'));
    const lineage = await apiCall(base, 'GET', `/v1/individuals/${s.best.id}/lineage`);
    assertEqual(Number(await attr('svg.lineage', 'data-levels')), lineage.individuals.length, 'lineage length');
    assertEqual(await text('[data-field="selected-fitness"]'), fitnessText(s.best.fitness), 'selected fitness');
    await waitFor('the log note', async () => (await text('[data-field="logs-note"]')) !== '');
    await shot('search-3000-selected');
  });

  await checks.check('searches page equals the API', async () => {
    const all = (await apiCall(base, 'GET', '/v1/searches?page_size=1000')).searches;
    await open('/searches');
    await waitFor(`${all.length} searches`, async () =>
      Number(await attr('[data-field="search-count"]', 'data-count')) === all.length);
    for (const s of all) {
      const row = `tr[data-id="${s.id}"]`;
      assertEqual(await text(`${row} [data-field="evaluations-done"]`), countText(s.evaluationsDone), `search ${s.id} evaluated`);
      assertEqual(await text(`${row} [data-field="evaluations-failed"]`), countText(s.evaluationsFailed), `search ${s.id} failed`);
      assertEqual(await text(`${row} [data-field="best-fitness"]`), s.best && Number(s.best.id) ? fitnessText(s.best.fitness) : '–',
          `search ${s.id} best`);
    }
    await shot('searches');
  });

  await checks.check('workers page shows the worker', async () => {
    await open('/workers');
    await waitFor('the worker row', () => shown('tr[data-id="dash-lookup"]'), 20000);
    assertEqual(await text('tr[data-id="dash-lookup"] [data-field="device"]'), 'cpu', 'device');
    await shot('workers');
  });

  await checks.check('compare page draws both best-so-far curves', async () => {
    await open(`/compare?ids=${thousands},${live}`);
    await waitFor('two curves', async () =>
      (await page.$$eval('svg[data-chart="compare"] g[data-series]', (g) => g.length)) === 2, 30000);
    assertEqual((await page.$$('table[data-table="compare"] tbody tr')).length, 2, 'compare rows');
    await shot('compare');
  });

  await checks.check('supernet search: epoch curves and architecture weights over the epochs', async () => {
    const id = await create(supernetSearch('DARTS supernet on digits', digits));
    children.push(startProcess([env.WORKER_BIN, `--controller=${env.CONTROLLER_ADDR}`, '--worker_id=dash-supernet',
      '--device=cpu', '--threads=1', '--job_kinds=supernet_search'], path.join(tmpDir, 'worker_supernet.log')));
    const epochs = await waitFor('3 epochs reported', async () => {
      const got = (await apiCall(base, 'GET', `/v1/searches/${id}/epochs`)).epochs || [];
      return got.length >= 3 && got;
    }, 180000, 1000);
    await open(`/searches/${id}`);
    await waitFor('the architecture weights view', () => shown('[data-view="architecture-weights"]'), 30000);
    const latest = epochs[epochs.length - 1];
    const matrices = await page.$$eval('[data-view="architecture-weights"] table[data-matrix]',
        (t) => t.map((e) => e.getAttribute('data-matrix')));
    assertEqual(matrices.join(','), latest.architectureWeights.map((m) => m.name).join(','), 'matrices shown');
    const cell = (epoch) => epoch.architectureWeights[0].weights[0].toFixed(2);
    const shownCell = () => text('[data-view="architecture-weights"] table[data-matrix] tbody td');
    assertEqual(await shownCell(), cell(latest), 'the latest epoch\'s first weight');
    await page.$eval('[data-view="architecture-weights"] input[type="range"]', (e) => {
      e.value = '0';
      e.dispatchEvent(new Event('input'));
    });
    assertEqual(await text('[data-field="weights-epoch"]'), 'after epoch 1', 'slider at the first epoch');
    assertEqual(await shownCell(), cell(epochs[0]), 'the first epoch\'s first weight');
    const lines = await page.$$eval('svg[data-chart^="weights-"]', (c) => c.length);
    assertEqual(lines, latest.architectureWeights.length, 'one mean-weight chart per matrix');
    await shot('search-supernet-weights');
  });

  await checks.check('an unknown search shows an error, not a blank page', async () => {
    const before = failedRequests.length;
    await page.goto(`${base}/#/searches/999999`, {waitUntil: 'domcontentloaded'});
    await waitFor('the error banner', async () => !(await page.$eval('#error-banner', (e) => e.hidden)));
    if (!(await text('#error-banner')).includes('NOT_FOUND')) throw new Error(await text('#error-banner'));
    await shot('error-not-found');
    // The page asks for the unknown search again on every refresh: leave it
    // first, or a later refresh's 404 counts as a failure below.
    await page.goto('about:blank');
    // This 404 was asked for; the checks below are about every other request.
    failedRequests.splice(before);
    consoleErrors.splice(0, consoleErrors.length, ...consoleErrors.filter((m) => !m.includes('404')));
  });

  if (env.SECURE_URL) {
    await checks.check('token prompt on 401, then the pages work with the token', async () => {
      // Its own tab: the 401 it must see is not one of the failures counted below.
      const tab = await browser.newPage();
      await tab.goto(`${env.SECURE_URL}/#/searches`, {waitUntil: 'domcontentloaded'});
      await waitFor('the token dialog', () => tab.$eval('#token-dialog', (d) => d.open), 20000);
      await tab.screenshot({path: path.join(outDir, 'token-prompt.png')});
      await tab.type('[data-control="token-input"]', env.DASH_TOKEN);
      await tab.click('[data-control="token-save"]');
      const all = (await apiCall(base, 'GET', '/v1/searches?page_size=1000')).searches;
      await waitFor(`${all.length} searches with the token`, async () =>
        Number(await tab.$eval('[data-field="search-count"]', (e) => e.dataset.count)) === all.length, 20000);
      const saved = await tab.evaluate(() => localStorage.getItem('nas.dashboard.token'));
      assertEqual(saved, env.DASH_TOKEN, 'token kept in localStorage');
      await tab.close();
    });
  }
} catch (e) {
  await checks.check('the test ran to the end', () => { throw e; });
} finally {
  await checks.check('no console error', async () => {
    if (consoleErrors.length) throw new Error(consoleErrors.join('\n'));
  });
  await checks.check('no failed request', async () => {
    if (failedRequests.length) throw new Error(failedRequests.join('\n'));
  });
  await browser.close();
  // A running child keeps node's event loop (and so the test) alive.
  for (const c of children) c.kill('SIGKILL');
  if (env.XML_OUTPUT_FILE) checks.writeJUnit(env.XML_OUTPUT_FILE);
  console.log(`${checks.cases.length - checks.failed()} passed, ${checks.failed()} failed; screenshots in ${outDir}`);
  process.exitCode = checks.failed() ? 1 : 0;
}
