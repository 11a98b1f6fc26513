// A benchmark, not a test: how fast report.html is with a big log (the 100,000-line fixture).
// Prints the time to first render, to scroll through the full log, to filter it, and to open a
// counterexample's logs around it.
//   node perf.mjs REPORT.html [--runs N]
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { withBrowser, openPage } from './lib.mjs';

const argv = process.argv.slice(2);
const file = argv.find((a) => !a.startsWith('--'));
if (!file) { console.error('usage: node perf.mjs REPORT.html [--runs N]'); process.exit(2); }
const runsAt = argv.indexOf('--runs'), runs = runsAt >= 0 ? Number(argv[runsAt + 1]) : 3;
const url = pathToFileURL(resolve(file)).href;
const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };
const ms = (x) => `${x.toFixed(1)} ms`;

async function once(browser) {
  const { page, context } = await openPage(browser, url);
  const r = {};
  try {
    const t = Date.now();
    await page.goto(url);
    await page.waitForFunction(() => window.__faultline && window.__faultline.ready, null, { timeout: 120000 });
    r.wall = Date.now() - t;
    Object.assign(r, await page.evaluate(() => {
      const nav = performance.getEntriesByType('navigation')[0];
      return { lines: (window.__faultline.fullLog && document.querySelector('#full-log .log-count').textContent) || '',
        parse: window.__faultline.timings.parse, render: window.__faultline.timings.render, firstPaint: window.__faultline.timings.firstPaint,
        domContentLoaded: nav ? nav.domContentLoadedEventEnd : NaN };
    }));
    // scroll through the whole log in 200 steps, a frame each
    await page.locator('#full-log').scrollIntoViewIfNeeded();
    Object.assign(r, await page.evaluate(async () => {
      const vl = document.querySelector('#full-log .vl'), frame = () => new Promise((ok) => requestAnimationFrame(() => ok()));
      const steps = 200, max = vl.scrollHeight - vl.clientHeight, times = [];
      await frame();
      const t0 = performance.now();
      for (let i = 1; i <= steps; i++) { const a = performance.now(); vl.scrollTop = (max * i) / steps; window.__faultline.fullLog.list.drawNow(); times.push(performance.now() - a); await frame(); }
      const total = performance.now() - t0;
      times.sort((a, b) => a - b);
      return { scrollSteps: steps, scrollTotal: total, scrollDrawMedian: times[steps >> 1], scrollDrawMax: times[steps - 1], rowsInDom: vl.querySelectorAll('.lr').length };
    }));
    // filters: text, timeline, a source off
    Object.assign(r, await page.evaluate(() => {
      const lb = window.__faultline.fullLog, input = document.querySelector('#full-log .log-text'), sel = document.querySelector('#full-log .log-timeline');
      const time = (f) => { const a = performance.now(); f(); lb.refilter(); lb.list.drawNow(); return performance.now() - a; };
      const out = {};
      out.filterTextFirst = time(() => { input.value = 'slow request'; });
      out.filterTextCount = document.querySelector('#full-log .log-count').textContent;
      out.filterTextAgain = time(() => { input.value = 'index=4'; });
      out.filterClear = time(() => { input.value = ''; });
      out.filterTimeline = time(() => { sel.value = sel.options[2] ? sel.options[2].value : ''; });
      sel.value = '';
      const cb = document.querySelector('#full-log .srcs input');
      out.filterSource = time(() => { cb.checked = false; cb.dispatchEvent(new Event('change')); });
      cb.checked = true; cb.dispatchEvent(new Event('change'));
      return out;
    }));
    // a counterexample's logs around it
    r.counterexample = await page.evaluate(async () => {
      const card = document.querySelector('#properties article.prop.failed');
      if (!card) return NaN;
      const a = performance.now();
      card.querySelector('details').open = true;
      await new Promise((ok) => setTimeout(ok, 0));
      const ex = card.querySelector('details.counterexample');
      if (!ex) return NaN;
      ex.open = true;
      await new Promise((ok) => setTimeout(ok, 0));
      await new Promise((ok) => requestAnimationFrame(() => requestAnimationFrame(ok)));
      return ex.querySelector('.around .lr') ? performance.now() - a : NaN;
    });
  } finally { await context.close(); }
  return r;
}

const results = await withBrowser(async (browser) => { const out = []; for (let i = 0; i < runs; i++) out.push(await once(browser)); return out; });
const m = (k) => median(results.map((r) => r[k]));
const size = (await import('node:fs')).statSync(resolve(file)).size;
console.log(`perf.mjs ${file} (${(size / 1e6).toFixed(1)} MB), Chromium, median of ${runs} loads`);
console.log(`  log: ${results[0].lines}`);
console.log(`  load to ready (wall, from goto):       ${ms(m('wall'))}`);
console.log(`  data parsed (JSON.parse, from start):  ${ms(m('parse'))}`);
console.log(`  page built (script start to end):      ${ms(m('render'))}`);
console.log(`  first paint after build (from nav):    ${ms(m('firstPaint'))}`);
console.log(`  scroll the full log, ${results[0].scrollSteps} steps: ${ms(m('scrollTotal'))} total, draw median ${ms(m('scrollDrawMedian'))}, worst ${ms(m('scrollDrawMax'))}, ${results[0].rowsInDom} rows in the DOM`);
console.log(`  filter by text (first, builds the lowercase cache): ${ms(m('filterTextFirst'))} -> ${results[0].filterTextCount}`);
console.log(`  filter by text again:                  ${ms(m('filterTextAgain'))}`);
console.log(`  clear the text filter:                 ${ms(m('filterClear'))}`);
console.log(`  filter by timeline:                    ${ms(m('filterTimeline'))}`);
console.log(`  uncheck a source:                      ${ms(m('filterSource'))}`);
console.log(`  open a counterexample with its logs:   ${ms(m('counterexample'))}`);
