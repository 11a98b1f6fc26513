// Checks a runs/index.html in Chromium: runs newest first, each link the run's relative
// report.html, hostile directory and template names inert, the filter box.
//   node runs.test.mjs RUNS_INDEX.html [--screenshots DIR]
import { dirname } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Checks, parseArgs, withBrowser, openPage, checkInert, loadData, screenshot } from './lib.mjs';

const args = parseArgs(process.argv.slice(2), 'usage: node runs.test.mjs RUNS_INDEX.html [--screenshots DIR]');
const c = new Checks(`runs.test ${args.file}`);
const folder = pathToFileURL(dirname(args.file)).href + '/';
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2066-\u2069]/;

async function main(browser) {
  const { page, rec } = await openPage(browser, args.url);
  const D = await loadData(c, page, rec, args.url);
  if (!D) return;
  const runs = D.runs || [];
  const rows = await page.$$eval('#runs tbody tr', (trs) => trs.map((tr) => ({
    started: tr.cells[0].textContent, text: tr.textContent,
    links: [...tr.querySelectorAll('a')].map((a) => ({ attr: a.getAttribute('href'), url: a.href })),
  })));
  c.ok(rows.length === runs.length, 'a row per run', `${rows.length} rows, ${runs.length} runs`);
  const expected = runs.map((r) => r.started || '').filter(Boolean).sort().reverse();
  c.ok(JSON.stringify(rows.map((r) => r.started).filter((s) => s !== '?').slice(0, expected.length)) === JSON.stringify(expected), 'rows come newest first', rows.map((r) => r.started).join(', '));

  const byStart = new Map(runs.map((r) => [r.started, r]));
  let plain = 0, hostile = 0;
  for (const row of rows) {
    const r = byStart.get(row.started);
    if (!r) continue;
    const dir = String(r.directory ?? '');
    const isPlain = /^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/.test(dir) && !dir.split('/').some((s) => s === '.' || s === '..');
    const isHostile = /^[a-z][a-z0-9+.-]*:/i.test(dir) || dir.startsWith('/') || dir.includes('\\') || dir.split('/').includes('..');
    for (const l of row.links) {
      const u = new URL(l.url);
      c.ok(u.protocol === 'file:' && l.url.startsWith(folder) && u.pathname.endsWith('/report.html') && !/^[a-z][a-z0-9+.-]*:/i.test(l.attr) && !l.attr.startsWith('/'),
        `the link of ${JSON.stringify(dir)} stays inside the runs folder`, l.attr);
      const rel = decodeURIComponent(l.url.slice(folder.length));
      c.ok(rel === dir.replace(/\/+$/, '') + '/report.html', `the link of ${JSON.stringify(dir)} is <directory>/report.html`, rel);
    }
    if (isPlain) { plain++; c.ok(row.links.length === 1 && row.links[0].attr === dir.split('/').map(encodeURIComponent).join('/') + '/report.html', `${JSON.stringify(dir)} links to its report`); }
    if (isHostile) { hostile++; c.ok(row.links.length === 0, `${JSON.stringify(dir)} gets no link`, row.links.map((l) => l.attr).join(', ')); }
    for (const v of [r.template, r.project, dir]) if (v && !CONTROL.test(v)) c.ok(row.text.includes(v), `${JSON.stringify(v)} shows as literal text`);
  }
  c.ok(plain > 0, 'at least one run has a plain directory name (so a link was checked)');
  if (!hostile) c.skip('hostile directory names', 'none in this index');

  const first = runs.find((r) => r.seed);
  if (first) {
    await page.fill('#runs-filter', first.seed);
    const shown = await page.$$eval('#runs tbody tr', (trs) => trs.filter((tr) => !tr.hidden).length);
    const want = runs.filter((r) => [r.started, r.template, r.project, r.seed, r.status, r.directory].map((x) => String(x ?? '')).join('\u0001').toLowerCase().includes(first.seed.toLowerCase())).length;
    c.ok(shown === want, `the filter "${first.seed}" shows the ${want} matching runs`, `${shown} shown`);
    await page.fill('#runs-filter', 'no run matches this');
    c.ok((await page.$$eval('#runs tbody tr', (trs) => trs.filter((tr) => !tr.hidden).length)) === 0, 'a filter matching nothing hides every run');
    await page.fill('#runs-filter', '');
  }
  await screenshot(args.screenshots, page, 'runs.png', null, { fullPage: true });
  await checkInert(c, page, rec, args.url);
}

let code = 1;
try { await withBrowser(main); code = c.finish(); }
catch (e) { console.error(`runs.test: ${e.stack || e}`); code = 1; }
process.exit(code);
