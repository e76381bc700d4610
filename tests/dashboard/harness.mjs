// What the dashboard's browser test needs besides the browser: JSON API calls,
// waiting, child processes, and JUnit XML with one testcase per check.
import fs from 'node:fs';
import {spawn} from 'node:child_process';

export async function apiCall(base, method, path, body) {
  const response = await fetch(base + path, {
    method,
    headers: body === undefined ? {} : {'Content-Type': 'application/json'},
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path}: HTTP ${response.status} ${text}`);
  return JSON.parse(text);
}

// Every individual of a search, through the API's own pagination.
export async function allIndividuals(base, id) {
  const all = [];
  let token = '';
  do {
    const page = await apiCall(base, 'GET',
        `/v1/searches/${id}/individuals?page_size=1000&page_token=${encodeURIComponent(token)}`);
    all.push(...(page.individuals || []));
    token = page.nextPageToken || '';
  } while (token);
  return all;
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Polls `fn` until it returns a truthy value; throws `what` after `ms`.
export async function waitFor(what, fn, ms = 60000, every = 200) {
  const deadline = Date.now() + ms;
  let last;
  for (;;) {
    try {
      last = await fn();
      if (last) return last;
    } catch (e) {
      last = e.message;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what} (last: ${last})`);
    await sleep(every);
  }
}

export function startProcess(argv, logFile) {
  const log = fs.openSync(logFile, 'a');
  const child = spawn(argv[0], argv.slice(1), {stdio: ['ignore', log, log]});
  child.logFile = logFile;
  return child;
}

export class Checks {
  constructor(suite) {
    this.suite = suite;
    this.cases = [];
  }

  // Runs one named check; a failure is recorded and reported, not thrown.
  async check(name, fn) {
    const start = Date.now();
    try {
      await fn();
      this.cases.push({name, seconds: (Date.now() - start) / 1000});
      console.log(`PASS ${name}`);
      return true;
    } catch (e) {
      this.cases.push({name, seconds: (Date.now() - start) / 1000, failure: e.stack || String(e)});
      console.log(`FAIL ${name}: ${e.message}`);
      return false;
    }
  }

  failed() {
    return this.cases.filter((c) => c.failure).length;
  }

  writeJUnit(file) {
    const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
        .replace(/"/g, '&quot;');
    const total = this.cases.reduce((a, c) => a + c.seconds, 0);
    const body = this.cases.map((c) => `  <testcase classname="${esc(this.suite)}" name="${esc(c.name)}" ` +
        `time="${c.seconds.toFixed(3)}">${c.failure ? `<failure message="${esc(c.failure.split('\n')[0])}">` +
        `${esc(c.failure)}</failure>` : ''}</testcase>`).join('\n');
    fs.writeFileSync(file, `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites>\n<testsuite name="${esc(this.suite)}" ` +
        `tests="${this.cases.length}" failures="${this.failed()}" errors="0" time="${total.toFixed(3)}">\n${body}\n` +
        `</testsuite>\n</testsuites>\n`);
  }
}

export function assertEqual(actual, expected, what) {
  if (actual !== expected) {
    throw new Error(`${what}: the page shows ${JSON.stringify(actual)}, the API says ${JSON.stringify(expected)}`);
  }
}
