// A smoke test of report.html (and, with --runs, the runs page) in Firefox: Debian's firefox-esr,
// driven over WebDriver BiDi by puppeteer-core (no browser download, no geckodriver). The same
// behaviours as report.test.mjs / runs.test.mjs, fewer of their details: the page renders, failing
// properties first, a counterexample's logs from two sources around its marked moment, the filters,
// a timeline and the full log drawn, hostile text inert, no network, no console error, no CSP
// violation, no dialog.
//   node firefox.test.mjs REPORT.html [--runs RUNS_INDEX.html] [--screenshots DIR] [--expect-failing NAME ...]
// Exits 1 when a check fails (each is printed), 2 on bad usage. Firefox is closed and its temporary
// profile removed whatever happens (also on Ctrl-C). FAULTLINE_FIREFOX=... for another Firefox.
import puppeteer from 'puppeteer-core';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Checks, parseArgs, checkInert, loadData, screenshot, settle, sleep, step as checkStep, visibleRows } from './lib.mjs';

export const FIREFOX = process.env.FAULTLINE_FIREFOX || '/usr/bin/firefox-esr';
const USAGE = 'usage: node firefox.test.mjs REPORT.html [--runs RUNS_INDEX.html] [--screenshots DIR] [--expect-failing NAME ...]';

// --runs is ours; the rest is parsed as every test here parses it.
const argv = process.argv.slice(2);
let runsFile = null;
const at = argv.indexOf('--runs');
if (at >= 0) {
  runsFile = argv[at + 1];
  if (!runsFile || runsFile.startsWith('--')) { console.error(USAGE); process.exit(2); }
  argv.splice(at, 2);
  runsFile = resolve(runsFile);
  if (!existsSync(runsFile)) { console.error(`no such file: ${runsFile}`); process.exit(2); }
}
const args = parseArgs(argv, USAGE);
const c = new Checks(`firefox.test ${args.file}${runsFile ? ` + ${runsFile}` : ''}`);
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/;
const searchText = (p) => [p.name, p.type, p.group, p.assert_type, p.finding, p.location?.file, p.location?.function, p.location?.class]
  .map((x) => (x == null ? '' : String(x))).join('\u0001').toLowerCase();

// ---- Firefox: launched on a temporary profile (also its HOME), closed whatever happens
let browser = null, profile = null, proc = null, stoppedBy = null;
// The Firefox this test started: the process puppeteer returned or, while puppeteer.launch is still
// running, the processes whose command line names this run's own temporary profile.
function firefoxPids() {
  if (proc) return proc.exitCode === null && proc.signalCode === null ? [proc.pid] : [];
  if (!profile) return [];
  const pids = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try { if (readFileSync(`/proc/${d}/cmdline`, 'latin1').split('\0').includes(profile)) pids.push(Number(d)); } catch { /* gone */ }
  }
  return pids;
}
// Whether a process of the group that pid leads is still there, zombies too (the killed content
// processes go to init, which reaps them a little later; waiting for that leaves nothing behind).
function running(pgid) {
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'latin1');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]) === pgid || Number(d) === pgid) return true;
    } catch { /* gone */ }
  }
  return false;
}
// Ends Firefox at once (puppeteer starts it detached, so its process group is Firefox and its
// content processes only), then removes the profile. Safe to call more than once.
function killFirefoxNow() {
  const pids = firefoxPids();
  for (const pid of pids) { try { process.kill(-pid, 'SIGKILL'); } catch { try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ } } }
  return pids;
}
function removeProfile() {
  if (profile) { try { rmSync(profile, { recursive: true, force: true }); } catch { /* best effort */ } profile = null; }
}
async function closeFirefox() {
  if (browser) {
    const b = browser; browser = null;
    await Promise.race([b.close().catch(() => {}), sleep(15000)]);
  }
  const pids = killFirefoxNow(); // close() did not end it
  for (let i = 0; i < 50 && pids.some(running); i++) await sleep(100);
  proc = null;
  removeProfile();
}
// On a signal or any exit: no Firefox and no profile left. (puppeteer's own exit hook also kills
// the Firefox it started; its signal handlers are off so that these run instead.)
process.on('exit', () => { killFirefoxNow(); removeProfile(); });
let stopping = null; // the cleanup after a signal, which the end of the test waits for
for (const [sig, code] of [['SIGINT', 130], ['SIGTERM', 143], ['SIGHUP', 129]]) {
  process.on(sig, () => {
    if (stopping) return;
    stoppedBy = code;
    console.error(`firefox.test: ${sig}: closing Firefox`);
    stopping = (async () => {
      const pids = killFirefoxNow();
      for (let i = 0; i < 50 && pids.some(running); i++) await sleep(100);
      removeProfile();
      process.exit(code);
    })();
  });
}
async function withFirefox(fn) {
  if (!existsSync(FIREFOX)) throw new Error(`no Firefox at ${FIREFOX} (set FAULTLINE_FIREFOX, or apt-get install firefox-esr)`);
  profile = mkdtempSync(join(tmpdir(), 'faultline-firefox-'));
  try {
    const t0 = Date.now();
    browser = await puppeteer.launch({
      browser: 'firefox', executablePath: FIREFOX, headless: true, userDataDir: profile,
      env: { ...process.env, HOME: profile, XDG_CACHE_HOME: join(profile, '.cache'), XDG_CONFIG_HOME: join(profile, '.config') },
      handleSIGINT: false, handleSIGTERM: false, handleSIGHUP: false,
      defaultViewport: { width: 1300, height: 900 }, timeout: 60000, protocolTimeout: 60000,
    });
    proc = browser.process();
    console.log(`  ..    ${await browser.version()} over WebDriver BiDi, started in ${Date.now() - t0} ms`);
    return await fn(browser);
  } finally {
    await closeFirefox();
  }
}

// A page that records what it asked for and what went wrong, as lib.mjs's openPage does for
// Chromium. Requests other than data: URIs are aborted and recorded (Firefox reports no request for
// a file: document; a data: URI is no network, the page's own font is one).
async function openPage(b, url) {
  const page = await b.newPage();
  page.setDefaultTimeout(10000);
  const rec = { requests: [], dataUris: 0, errors: [], csp: [], dialogs: [] };
  await page.setRequestInterception(true);
  page.on('request', (r) => {
    const u = r.url();
    if (u.startsWith('data:')) { rec.dataUris++; r.continue().catch(() => {}); return; }
    rec.requests.push(u);
    if (u === url) r.continue().catch(() => {}); else r.abort().catch(() => {});
  });
  page.on('console', (m) => { if (m.type() === 'error') rec.errors.push(m.text()); });
  page.on('pageerror', (e) => rec.errors.push(`uncaught: ${e.message}`));
  page.on('dialog', (d) => { rec.dialogs.push(`${d.type()}: ${d.message()}`); d.dismiss().catch(() => {}); });
  await page.evaluateOnNewDocument(() => {
    window.__csp = [];
    document.addEventListener('securitypolicyviolation', (e) => window.__csp.push(`${e.violatedDirective} ${e.blockedURI}`));
  });
  return { page, rec };
}


// Types into an input as a person would: focus, select what is there, type over it (or delete it).
async function typeInto(page, sel, text) {
  await page.$eval(sel, (el) => { el.scrollIntoView({ block: 'center' }); el.focus(); el.select(); });
  if (text) await page.keyboard.type(text); else await page.keyboard.press('Backspace');
}
const step = (name, fn) => checkStep(c, name, fn);
const shot = (page, name, el) => screenshot(args.screenshots, page, name, el);

async function reportPage(b) {
  console.log(`report ${args.url}`);
  const { page, rec } = await openPage(b, args.url);
  const D = await loadData(c, page, rec, args.url);
  if (!D) return;
  console.log(`  ..    the page's own render: ${(await page.evaluate(() => window.__faultline.timings.render)).toFixed(1)} ms`);
  const props = Array.isArray(D.properties) ? D.properties : [];
  const failingData = props.filter((p) => p.status === 'failed');
  const srcs = D.log?.sources || [], lines = D.log?.lines || [], W = D.settings?.log_window_ms ?? 5000, tls = D.timelines || [];

  // First, while nothing was clicked yet (a click moves where Tab starts from).
  await step('keyboard', async () => {
    let reachedFilter = false, toggle = null;
    for (let i = 0; i < 300 && !toggle; i++) {
      await page.keyboard.press('Tab');
      const a = await page.evaluate(() => { const el = document.activeElement; return { id: el?.id, prop: !!el?.matches?.('article.prop > details > summary'), card: el?.closest?.('article.prop')?.id }; });
      if (a.id === 'prop-filter') reachedFilter = true;
      if (reachedFilter && a.prop) toggle = a.card;
    }
    c.ok(reachedFilter, 'Tab reaches the property filter');
    if (!c.ok(!!toggle, 'Tab then reaches a property\'s toggle')) return;
    const outline = await page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle);
    c.ok(outline && outline !== 'none', 'the focused toggle shows its focus', outline);
    const isOpen = () => page.evaluate((id) => document.querySelector(`#${id} > details`).open && !!document.querySelector(`#${id} .pbody`), toggle);
    await page.keyboard.press('Enter');
    await settle(page);
    c.ok(await isOpen(), 'Enter expands the property');
    await page.keyboard.press('Enter');
    await settle(page);
    c.ok(!(await isOpen()), 'Enter again folds it');
  });

  await step('top', async () => {
    const loading = await page.evaluate(() => { const l = document.getElementById('loading'); return !!l && l.offsetParent !== null; });
    c.ok(!loading, 'no "Loading..." left: the script ran');
    const verdict = await page.$eval('#verdict', (el) => el.textContent);
    c.ok(D.verdict?.status === 'failed' ? /failing|Failed/.test(verdict) : /Passed/.test(verdict), 'the verdict says what the data says', verdict);
    if (D.run?.reproduce) {
      await page.click('#copy-repro');
      await page.waitForFunction(() => document.querySelector('#copy-repro').textContent !== 'Copy', { timeout: 5000 }).catch(() => {});
      const said = await page.$eval('#copy-repro', (el) => el.textContent);
      c.ok(said === 'Copied' || said === 'Select and copy by hand', 'the copy button answers', said);
    }
    const sections = await page.$$eval('#app section', (els) => els.map((el) => ({ id: el.id, h: el.getBoundingClientRect().height })));
    c.ok(sections.length >= 3 && sections.every((x) => x.h > 0), 'the page\'s sections are laid out', sections.map((x) => `${x.id}:${Math.round(x.h)}`).join(' '));
    await shot(page, 'firefox-top.png');
  });

  await step('properties', async () => {
    const cards = await page.$$eval('#properties article.prop', (els) => els.map((el) => ({ status: el.getAttribute('data-status'), name: el.querySelector('.pname').textContent })));
    c.ok(cards.length === props.length, 'every property has a card', `${cards.length} cards, ${props.length} properties`);
    if (failingData.length) c.ok(cards[0]?.status === 'failed', 'the first property shown is a failing one', cards[0] && `${cards[0].status}: ${cards[0].name}`);
    const firstPassing = cards.findIndex((x) => x.status !== 'failed');
    c.ok(firstPassing < 0 || cards.slice(firstPassing).every((x) => x.status !== 'failed'), 'failing properties all come before passing ones');
    for (const name of args.expectFailing) c.ok(cards.some((x) => x.name === name && x.status === 'failed'), `"${name}" is shown as failing`);
    const hostile = props.filter((p) => /[<>&"']|javascript:/i.test(p.name) && !CONTROL.test(p.name));
    for (const p of hostile) c.ok(cards.some((x) => x.name === p.name), `the property named ${JSON.stringify(p.name)} shows as that literal text`);
    if (!hostile.length) c.skip('a hostile property name', 'none in this report');
  });

  await step('a counterexample with logs from two sources around it', async () => {
    let target = null;
    props.forEach((p, pi) => (p.counterexamples || []).forEach((e, ei) => {
      if (target || p.status !== 'failed') return;
      const near = new Set(lines.filter((l) => srcs[l[1]]?.timeline === e.timeline && l[0] >= e.t_ms - W && l[0] <= e.t_ms + W).map((l) => l[1]));
      if (near.size >= 2) target = { pi, ei, p, e };
    }));
    if (!target) { c.skip('a counterexample\'s logs around it', 'no failing property has a counterexample with lines from two sources in its window'); return; }
    await page.click(`#prop-${target.pi} summary.psum`);
    await page.waitForSelector(`#prop-${target.pi} details.counterexample`);
    const ex = (await page.$$(`#prop-${target.pi} details.counterexample`))[target.ei];
    await (await ex.$('summary')).click();
    await page.waitForSelector(`#prop-${target.pi} .around .lr`);
    await ex.evaluate((d) => { d.querySelector('.around .vl').id = 'under-test'; });
    await settle(page); await sleep(100); await settle(page);
    let rows = await visibleRows(page, '#under-test');
    c.ok(rows && rows.some((r) => r.marker), 'the counterexample\'s moment is marked among the lines on screen');
    const shown = new Set((rows || []).filter((r) => !r.marker).map((r) => r.s));
    c.ok(shown.size >= 2, 'lines from at least two sources show around the counterexample', `${shown.size} source(s)`);
    const body = await ex.$eval('.exbody', (el) => el.textContent);
    const strings = [];
    (function walk(v) { if (typeof v === 'string') strings.push(v); else if (v && typeof v === 'object') Object.entries(v).forEach(([k, x]) => { strings.push(k); walk(x); }); })(target.e.details);
    const literal = strings.filter((x) => x && !CONTROL.test(x) && x.length < 4000);
    c.ok(literal.every((x) => body.includes(x)), 'every string of the counterexample\'s details shows as literal text', literal.filter((x) => !body.includes(x)).slice(0, 3).join(' | '));
    await ex.evaluate((d) => d.scrollIntoView({ block: 'start' }));
    await shot(page, 'firefox-counterexample.png', ex);
    const counts = {}; (rows || []).filter((r) => !r.marker).forEach((r) => { counts[r.g] = (counts[r.g] || 0) + 1; });
    const g = Object.keys(counts).sort((a, b) => counts[b] - counts[a])[0];
    if (g != null) {
      await (await ex.$(`.around input[type=checkbox][data-g="${g}"]`)).click();
      await settle(page);
      const all = await page.$$eval('#under-test .lr', (els) => els.map((e) => e.getAttribute('data-g')));
      c.ok(!all.includes(g), 'unchecking a source hides its lines');
      await (await ex.$(`.around input[type=checkbox][data-g="${g}"]`)).click();
      await settle(page);
      c.ok((await page.$$eval('#under-test .lr', (els) => els.map((e) => e.getAttribute('data-g')))).includes(g), 'checking it again shows its lines again');
    }
  });

  await step('the history drawing of a failed history', async () => {
    const drawn = tls.filter((t) => t.history?.drawing);
    if (!drawn.length) { c.skip('a history drawing', 'no timeline has one'); return; }
    const ops = await page.$$eval('#timelines svg.history-svg', (svgs) => (svgs[0] ? svgs[0].querySelectorAll('g.hop').length : -1));
    c.ok(ops === drawn[0].history.drawing.operations.length, 'a not linearizable history is drawn, a bar per operation', `${ops} bars`);
  });

  await step('property filters', async () => {
    const visibleCards = () => page.$$eval('#properties article.prop', (els) => els.filter((el) => el.offsetParent !== null).map((el) => el.getAttribute('data-status')));
    const pick = props.find((p) => p.status !== 'failed' && p.name && !CONTROL.test(p.name)) || props[0];
    if (pick) {
      const q = pick.name.slice(0, Math.min(pick.name.length, 24));
      await typeInto(page, '#prop-filter', q);
      await settle(page);
      const expected = props.filter((p) => searchText(p).includes(q.trim().toLowerCase())).length;
      const vis = await visibleCards();
      c.ok(vis.length === expected, `the text filter "${q}" shows the ${expected} matching properties`, `${vis.length} shown`);
      await typeInto(page, '#prop-filter', 'no property is called this zqxj');
      await settle(page);
      c.ok((await visibleCards()).length === 0, 'a text that matches nothing hides every property');
      await typeInto(page, '#prop-filter', '');
      await settle(page);
      c.ok((await visibleCards()).length === props.length, 'clearing the text shows every property again');
    }
    await page.select('#prop-status', 'failed');
    await settle(page);
    const vis = await visibleCards();
    c.ok(vis.length === failingData.length && vis.every((s) => s === 'failed'), 'the status filter "failing" shows the failing properties only', `${vis.length} shown`);
    await page.select('#prop-status', '');
    await settle(page);
  });

  await step('timelines', async () => {
    const tl = tls[0];
    if (!tl) { c.skip('a timeline picture', 'no timeline'); return; }
    await page.$eval(`#timeline-${tl.timeline}`, (el) => el.scrollIntoView());
    await page.waitForSelector(`#timeline-${tl.timeline} svg.tl-svg`);
    const ncmd = (D.commands || []).filter((x) => x.timeline === tl.timeline).length;
    const bars = await page.$$eval(`#timeline-${tl.timeline} svg.tl-svg rect.cmd`, (els) => els.filter((e) => e.getBoundingClientRect().width > 0).length);
    c.ok(bars === ncmd, `timeline ${tl.timeline}: a bar per command invocation (${ncmd}), laid out`, `${bars} bars`);
    const faults = (D.faults || []).filter((f) => f.timeline === tl.timeline);
    const drawnFaults = new Set(await page.$$eval(`#timeline-${tl.timeline} svg.tl-svg g.fault`, (els) => els.map((e) => e.getAttribute('data-fault'))));
    c.ok(faults.every((f) => drawnFaults.has(String(f.fault))), `timeline ${tl.timeline}: every fault is drawn as a band (${faults.length})`);
  });

  await step('the full log', async () => {
    if (!lines.length) { c.skip('the full log', 'no log lines'); return; }
    await page.$eval('#full-log', (el) => el.scrollIntoView());
    await settle(page);
    const count = () => page.$eval('#full-log .log-count', (el) => el.textContent);
    const rendered = await page.$$eval('#full-log .lr', (els) => els.length);
    c.ok(rendered > 0 && rendered < 400, 'the full log renders only the rows on screen', `${rendered} rows for ${lines.length} lines`);
    const word = (() => { const l = lines[Math.floor(lines.length / 2)]; const w = String(l[3]).split(/\s+/).find((x) => x.length >= 4 && !CONTROL.test(x)); return w || String(l[3]).slice(0, 4); })();
    await typeInto(page, '#full-log .log-text', word);
    const want = lines.filter((l) => String(l[3]).toLowerCase().includes(word.toLowerCase())).length;
    await page.waitForFunction((w) => document.querySelector('#full-log .log-count').textContent.startsWith(w), { timeout: 5000 }, `showing ${want.toLocaleString('en-US')} of`).catch(() => {});
    c.ok((await count()).startsWith(`showing ${want.toLocaleString('en-US')} of`), `the log's text filter "${word}" keeps the ${want} lines holding it`, await count());
    await typeInto(page, '#full-log .log-text', '');
    await sleep(250);
  });

  c.ok(!(await page.evaluate(() => window.__faultline.error || null)), 'the page reported no error of its own after all that');
  await checkInert(c, page, rec, args.url);
  console.log(`  ..    data: URIs the page used (not network): ${rec.dataUris}`);
  await page.close();
}

async function runsPage(b) {
  const url = pathToFileURL(runsFile).href;
  console.log(`runs page ${url}`);
  const folder = pathToFileURL(dirname(runsFile)).href + '/';
  const { page, rec } = await openPage(b, url);
  const D = await loadData(c, page, rec, url, 'the runs page');
  if (!D) return;
  const runs = D.runs || [];
  const rows = await page.$$eval('#runs tbody tr', (trs) => trs.map((tr) => ({
    text: tr.textContent, links: [...tr.querySelectorAll('a')].map((a) => ({ attr: a.getAttribute('href'), url: a.href })),
  })));
  c.ok(runs.length > 0 && rows.length === runs.length, 'the runs page lists a row per run', `${rows.length} rows, ${runs.length} runs`);
  const plain = runs.filter((r) => /^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/.test(String(r.directory ?? '')) && !String(r.directory).split('/').some((s) => s === '.' || s === '..'));
  for (const r of plain) {
    const want = folder + String(r.directory).split('/').map(encodeURIComponent).join('/') + '/report.html';
    c.ok(rows.some((row) => row.links.some((l) => l.url === want)), `run ${JSON.stringify(r.directory)} links to ${r.directory}/report.html`);
  }
  c.ok(plain.length > 0, 'at least one run has a plain directory name (so a link was checked)');
  const all = rows.flatMap((row) => row.links);
  c.ok(all.every((l) => l.url.startsWith(folder) && l.url.endsWith('/report.html')), 'every link is a report.html inside the runs folder', all.map((l) => l.attr).filter((a) => !a.endsWith('/report.html')).join(', '));
  const first = runs.find((r) => r.seed);
  if (first) {
    await typeInto(page, '#runs-filter', String(first.seed));
    await settle(page);
    const shown = await page.$$eval('#runs tbody tr', (trs) => trs.filter((tr) => !tr.hidden).length);
    const want = runs.filter((r) => [r.started, r.template, r.project, r.seed, r.status, r.directory].map((x) => String(x ?? '')).join('\u0001').toLowerCase().includes(String(first.seed).toLowerCase())).length;
    c.ok(shown === want, `the runs filter "${first.seed}" shows the ${want} matching runs`, `${shown} shown`);
    await typeInto(page, '#runs-filter', '');
  }
  await screenshot(args.screenshots, page, 'firefox-runs.png', null, { fullPage: true });
  await checkInert(c, page, rec, url);
  await page.close();
}

// The request observer must see a request for "no network request" to mean something: a page of
// no policy asks for a loopback URL (aborted before it leaves), and it must be recorded.
async function observerControl(b) {
  const { page, rec } = await openPage(b, 'about:blank');
  await page.goto('about:blank');
  const probe = 'http://127.0.0.1:59999/faultline-firefox-test-probe';
  await page.evaluate((u) => fetch(u).catch(() => {}), probe);
  for (let i = 0; i < 20 && !rec.requests.includes(probe); i++) await sleep(50);
  c.ok(rec.requests.includes(probe), 'control: the request observer sees a page\'s request (so "no request" is not blindness)');
  await page.close();
}

let code = 1;
const started = Date.now();
try {
  await withFirefox(async (b) => {
    await observerControl(b);
    await reportPage(b);
    if (runsFile) await runsPage(b);
  });
  code = c.finish();
} catch (e) { if (stoppedBy == null) console.error(`firefox.test: FAILED: ${e.stack || e}`); code = 1; }
console.log(`firefox.test: ${((Date.now() - started) / 1000).toFixed(1)} s`);
if (stopping) await stopping;
process.exit(code);
