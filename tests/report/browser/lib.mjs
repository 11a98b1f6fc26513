// What every browser test shares: Debian's Chromium through playwright-core, a page that records
// requests, console errors, CSP violations and dialogs, and checks that print as they go.
import { chromium } from 'playwright-core';
import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

export const CHROMIUM = process.env.FAULTLINE_CHROMIUM || '/usr/bin/chromium';

export class Checks {
  constructor(name) { this.name = name; this.failed = []; this.passed = 0; }
  ok(cond, what, detail) {
    if (cond) { this.passed++; console.log(`  ok    ${what}`); }
    else { this.failed.push(what + (detail ? `: ${detail}` : '')); console.log(`  FAIL  ${what}${detail ? `: ${detail}` : ''}`); }
    return !!cond;
  }
  skip(what, why) { console.log(`  skip  ${what} (${why})`); }
  finish() {
    if (this.failed.length) {
      console.error(`\n${this.name}: ${this.failed.length} check(s) failed, ${this.passed} passed:`);
      for (const f of this.failed) console.error(`  - ${f}`);
      return 1;
    }
    console.log(`\n${this.name}: all ${this.passed} checks passed`);
    return 0;
  }
}

export function parseArgs(argv, usage) {
  const out = { positional: [], screenshots: null, expectFailing: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--screenshots') out.screenshots = argv[++i];
    else if (a === '--expect-failing') { while (i + 1 < argv.length && !argv[i + 1].startsWith('--')) out.expectFailing.push(argv[++i]); }
    else if (a === '-h' || a === '--help') { console.log(usage); process.exit(0); }
    else if (a.startsWith('--')) { console.error(`unknown option ${a}\n${usage}`); process.exit(2); }
    else out.positional.push(a);
  }
  if (out.positional.length !== 1) { console.error(usage); process.exit(2); }
  const file = resolve(out.positional[0]);
  if (!existsSync(file)) { console.error(`no such file: ${file}`); process.exit(2); }
  out.file = file;
  out.url = pathToFileURL(file).href;
  if (out.screenshots) mkdirSync(out.screenshots, { recursive: true });
  return out;
}

// Runs fn(browser) and closes the browser whatever happens (no Chromium left behind).
export async function withBrowser(fn) {
  if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM} (set FAULTLINE_CHROMIUM, or apt-get install chromium)`);
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'], headless: true });
  const close = () => browser.close().catch(() => {});
  const onSignal = async () => { await close(); process.exit(130); };
  process.once('SIGINT', onSignal); process.once('SIGTERM', onSignal);
  try { return await fn(browser); } finally { await close(); process.off('SIGINT', onSignal); process.off('SIGTERM', onSignal); }
}

// A page that records what it asked for and what went wrong. Requests other than the document are
// aborted (and recorded): the page must work offline.
export async function openPage(browser, url, viewport = { width: 1300, height: 900 }) {
  const context = await browser.newContext({ viewport, javaScriptEnabled: true });
  const rec = { requests: [], errors: [], csp: [], dialogs: [] };
  await context.route('**/*', (route) => {
    const u = route.request().url();
    if (u === url) route.continue(); else route.abort();
  });
  const page = await context.newPage();
  page.on('request', (r) => rec.requests.push(r.url()));
  page.on('console', (m) => { if (m.type() === 'error') rec.errors.push(m.text()); });
  page.on('pageerror', (e) => rec.errors.push(`uncaught: ${e.message}`));
  page.on('dialog', (d) => { rec.dialogs.push(`${d.type()}: ${d.message()}`); d.dismiss().catch(() => {}); });
  await page.addInitScript(() => {
    window.__csp = [];
    document.addEventListener('securitypolicyviolation', (e) => window.__csp.push(`${e.violatedDirective} ${e.blockedURI}`));
  });
  return { page, rec, context };
}

// Waits for the page's script to finish; on a timeout says why (a blocked script, an exception).
export async function waitReady(page, rec, timeout = 60000) {
  const t0 = Date.now();
  for (;;) {
    if (await page.evaluate(() => !!(window.__faultline && window.__faultline.ready)).catch(() => false)) return;
    if (rec.errors.length && Date.now() - t0 > 3000) break; // an error and still not ready after 3 s: it never will be
    if (Date.now() - t0 > timeout) break;
    await sleep(100);
  }
  const csp = await page.evaluate(() => window.__csp || []).catch(() => []);
  throw new Error(`the page never finished rendering; console errors: ${rec.errors.join(' | ') || 'none'}; CSP violations: ${csp.join(', ') || 'none'}`);
}

// Loads url into page (opened by either browser's openPage), waits for its script and returns the
// data it embeds; null, with a failed check, when the script could not read it.
export async function loadData(c, page, rec, url, what = 'the page') {
  const t0 = Date.now();
  await page.goto(url);
  await waitReady(page, rec);
  console.log(`  ..    loaded in ${Date.now() - t0} ms`);
  const error = await page.evaluate(() => window.__faultline.error || null);
  if (!c.ok(!error, `${what} read its embedded data`, error)) return null;
  return page.evaluate(() => JSON.parse(document.getElementById('faultline-data').textContent));
}

// A part of a test that throws is a failed check; the parts after it still run.
export async function step(c, name, fn) {
  try { await fn(); } catch (e) { c.ok(false, `${name}: ran to its end`, String(e.message || e).split('\n')[0]); }
}

// Saves a screenshot into dir (nothing without one): of an element or locator, else of the page.
export async function screenshot(dir, page, name, el, options = {}) {
  if (!dir) return;
  const path = join(dir, name);
  if (el) await el.screenshot({ path }); else await page.screenshot({ path, ...options });
  console.log(`  ..    screenshot ${path}`);
}

// Two frames later: what the page drew after an input is on screen.
export const settle = (page) => page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));

// The rows of a virtualized log (selector) that are on screen.
export async function visibleRows(page, selector) {
  return page.evaluate((sel) => {
    const vl = document.querySelector(sel);
    if (!vl) return null;
    const box = vl.getBoundingClientRect();
    return [...vl.querySelectorAll('.lr')].filter((r) => { const b = r.getBoundingClientRect(); return b.bottom > box.top + 1 && b.top < box.bottom - 1; })
      .map((r) => ({ marker: r.classList.contains('marker'), s: r.getAttribute('data-s'), g: r.getAttribute('data-g'), src: r.querySelector('.ls')?.textContent ?? '', text: r.textContent }));
  }, selector);
}

// The checks every page must pass: offline, quiet, nothing run from the data.
export async function checkInert(c, page, rec, url) {
  const policy = await page.evaluate(() => document.querySelector('meta[http-equiv="Content-Security-Policy"]')?.content || '');
  const dir = (name) => (policy.split(';').map((d) => d.trim()).find((d) => d.startsWith(name + ' ')) || '').split(/\s+/).slice(1);
  c.ok(dir('default-src').join(' ') === "'none'", "the policy says default-src 'none'", policy);
  const script = dir('script-src');
  c.ok(script.some((s) => s.startsWith("'sha256-")) && script.every((s) => s.startsWith("'sha256-") || s === "'unsafe-inline'"),
    'the policy admits only the page\'s own script (by hash; no eval, no source to load)', script.join(' '));
  c.ok(dir('img-src').every((s) => s === 'data:' || s === "'none'"), 'images only from data: URIs', dir('img-src').join(' '));
  const others = rec.requests.filter((u) => u !== url);
  c.ok(others.length === 0, 'no network request besides the document itself', others.slice(0, 5).join(', '));
  c.ok(rec.errors.length === 0, 'no console errors', rec.errors.slice(0, 5).join(' | '));
  const csp = await page.evaluate(() => window.__csp);
  c.ok(csp.length === 0, 'no Content-Security-Policy violation', csp.slice(0, 5).join(', '));
  c.ok(rec.dialogs.length === 0, 'no dialog (alert/confirm/prompt) opened', rec.dialogs.join(', '));
  const dom = await page.evaluate(() => ({
    pwned: window.__pwned !== undefined,
    imgs: document.querySelectorAll('img, image, iframe, object, embed, video, audio, source, link[rel], base').length,
    scripts: document.scripts.length,
    onattrs: [...document.querySelectorAll('*')].filter((el) => [...el.attributes].some((a) => /^on/i.test(a.name))).map((el) => el.tagName).slice(0, 5),
    badLinks: [...document.querySelectorAll('[href], [src], [xlink\\:href]')].map((el) => el.getAttribute('href') ?? el.getAttribute('src') ?? '')
      .filter((h) => /^\s*(javascript|data|vbscript|https?|file):/i.test(h) || /^\s*\/\//.test(h)),
  }));
  c.ok(!dom.pwned, 'window.__pwned was never set');
  c.ok(dom.imgs === 0, 'no img/iframe/object/media element exists', `${dom.imgs} found`);
  c.ok(dom.scripts === 2, 'only the page\'s own two script elements exist', `${dom.scripts} found`);
  c.ok(dom.onattrs.length === 0, 'no element carries an on* attribute', dom.onattrs.join(', '));
  c.ok(dom.badLinks.length === 0, 'no link or source with a scheme or to another host', dom.badLinks.join(', '));
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
