// The pages say so when their data is missing or malformed, and a report with every optional part
// missing still renders without an error.
//   node broken.test.mjs REPORT_TEMPLATE.html RUNS_TEMPLATE.html
import { mkdirSync, writeFileSync, readFileSync } from 'node:fs';
import { join, resolve, dirname } from 'node:path';
import { pathToFileURL, fileURLToPath } from 'node:url';
import { Checks, withBrowser, openPage, checkInert } from './lib.mjs';
import { render } from './render.mjs';

const [reportTpl, runsTpl] = process.argv.slice(2).map((p) => resolve(p));
if (!reportTpl || !runsTpl) { console.error('usage: node broken.test.mjs REPORT_TEMPLATE.html RUNS_TEMPLATE.html'); process.exit(2); }
const out = join(dirname(fileURLToPath(import.meta.url)), 'out', 'broken');
mkdirSync(out, { recursive: true });
const c = new Checks('broken.test');
const R = readFileSync(reportTpl, 'utf8'), S = readFileSync(runsTpl, 'utf8');
const raw = (tpl, marker, text) => tpl.split(`{{${marker}}}`).join(text); // no escaping: a malformed page on purpose

const cases = [
  // [file, html, expect error box?, what]
  ['bare-template.html', R, true, 'the bare report template'],
  ['not-json.html', raw(R, 'FAULTLINE_REPORT_DATA', '{"schema": "faultline-report", "run": {'), true, 'report data that is not JSON'],
  ['wrong-schema.html', raw(R, 'FAULTLINE_REPORT_DATA', '{"schema": "something-else"}'), true, 'report data of another schema'],
  ['array.html', raw(R, 'FAULTLINE_REPORT_DATA', '[1, 2, 3]'), true, 'report data that is an array'],
  ['empty.html', raw(R, 'FAULTLINE_REPORT_DATA', ''), true, 'report data that is empty'],
  ['minimal.html', render(R, '{"schema": "faultline-report", "schema_version": 1}', 'FAULTLINE_REPORT_DATA'), false, 'a report with only its schema'],
  ['odd-shapes.html', render(R, JSON.stringify({ schema: 'faultline-report', run: 'x', verdict: [], properties: [null, 3, { name: 5, counterexamples: 'x' }],
    timelines: [null, { timeline: 'a', services: 'x', history: { drawing: { operations: [null, { client: 9 }] } } }], log: { sources: [null], lines: [null, [1], ['x', 99, 3, null]] },
    faults: [null, { details: 7 }], commands: [1] }), 'FAULTLINE_REPORT_DATA'), false, 'a report whose parts have unexpected shapes'],
  ['runs-bare.html', S, true, 'the bare runs template'],
  ['runs-not-json.html', raw(S, 'FAULTLINE_RUNS_DATA', '{"runs": ['), true, 'runs data that is not JSON'],
  ['runs-minimal.html', render(S, '{"schema": "faultline-runs", "schema_version": 1, "runs": [null, {"directory": 5}]}', 'FAULTLINE_RUNS_DATA'), false, 'a runs index with odd entries'],
];

await withBrowser(async (browser) => {
  for (const [name, html, expectError, what] of cases) {
    const file = join(out, name); writeFileSync(file, html);
    const url = pathToFileURL(file).href;
    const { page, rec, context } = await openPage(browser, url);
    try {
      await page.goto(url);
      await page.waitForFunction(() => window.__faultline && window.__faultline.ready, null, { timeout: 20000 }).catch(() => {});
      const st = await page.evaluate(() => ({ ready: !!(window.__faultline && window.__faultline.ready), error: window.__faultline && window.__faultline.error,
        box: !!document.querySelector('.err-box'), text: document.body.innerText.length }));
      c.ok(st.ready, `${what}: the page finished`);
      if (expectError) c.ok(st.box && st.error, `${what}: the page says its data is unreadable`, st.error);
      else {
        c.ok(!st.box, `${what}: the page renders`, st.error);
        // open whatever can be opened
        await page.evaluate(async () => {
          for (let y = 0; y <= document.body.scrollHeight; y += 400) { window.scrollTo(0, y); await new Promise((r) => requestAnimationFrame(r)); }
          document.querySelectorAll('details').forEach((d) => { d.open = true; });
        });
        await page.evaluate(() => new Promise((r) => setTimeout(r, 100)));
        c.ok(!(await page.evaluate(() => document.querySelector('.note') && /could not be shown/.test(document.body.innerText))), `${what}: no section gave up`,
          await page.evaluate(() => [...document.querySelectorAll('.note')].map((n) => n.textContent).join(' | ')));
      }
      c.ok(st.text > 0, `${what}: the page is not blank`);
      await checkInert(c, page, rec, url);
    } finally { await context.close(); }
  }
}).catch((e) => { console.error(`broken.test: ${e.stack || e}`); process.exit(1); });
process.exit(c.finish());
