// Checks a report.html in Chromium: failing properties first, a counterexample's logs around it,
// the filters, hostile text inert, no network, no console errors, keyboard use.
//   node report.test.mjs REPORT.html [--screenshots DIR] [--expect-failing NAME ...]
// Exits 1 when a check fails (each is printed), 2 on bad usage.
import { Checks, parseArgs, withBrowser, openPage, checkInert, loadData, screenshot, settle, sleep, step as checkStep, visibleRows, waitReady } from './lib.mjs';

const USAGE = 'usage: node report.test.mjs REPORT.html [--screenshots DIR] [--expect-failing NAME ...]';
const args = parseArgs(process.argv.slice(2), USAGE);
const c = new Checks(`report.test ${args.file}`);

// The property fields the page's text filter looks at (name, type, group, file, function...).
const searchText = (p) => [p.name, p.type, p.group, p.assert_type, p.finding, p.location?.file, p.location?.function, p.location?.class]
  .map((x) => (x == null ? '' : String(x))).join('\u0001').toLowerCase();
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/;


const step = (name, fn) => checkStep(c, name, fn);

async function main(browser) {
  const { page, rec } = await openPage(browser, args.url);
  page.setDefaultTimeout(10000);
  const D = await loadData(c, page, rec, args.url);
  if (!D) return;
  console.log(`  ..    the page's own render: ${(await page.evaluate(() => window.__faultline.timings.render)).toFixed(1)} ms`);
  const props = Array.isArray(D.properties) ? D.properties : [];
  const failingData = props.filter((p) => p.status === 'failed');
  const srcs = D.log?.sources || [], lines = D.log?.lines || [], W = D.settings?.log_window_ms ?? 5000, tls = D.timelines || [];
  const shot = (name, locator) => screenshot(args.screenshots, page, name, locator);


  // ---- top
  await step('top', async () => {
  const verdict = await page.locator('#verdict').textContent();
  c.ok(D.verdict?.status === 'failed' ? /failing|Failed/.test(verdict) : /Passed/.test(verdict), 'the verdict says what the data says', verdict);
  if (D.verdict?.failing) c.ok(verdict.includes(String(D.verdict.failing)), 'the verdict counts the failing properties');
  if (D.run?.reproduce) c.ok((await page.locator('#reproduce').textContent()) === D.run.reproduce || CONTROL.test(D.run.reproduce), 'the reproduce line is shown as it is');
  if (D.findings?.compared_with != null) {
    const f = await page.locator('#findings').textContent();
    c.ok(['new_failing', 'resolved', 'still_failing'].every((k) => (D.findings[k] || []).every((n) => CONTROL.test(n) || f.includes(n))), 'findings list every new failing, resolved and still failing name');
  }
  if (D.run?.reproduce) {
    await page.click('#copy-repro');
    await page.waitForFunction(() => document.querySelector('#copy-repro').textContent !== 'Copy', null, { timeout: 5000 }).catch(() => {});
    const said = await page.locator('#copy-repro').textContent();
    c.ok(said === 'Copied' || said === 'Select and copy by hand', 'the copy button answers', said);
  }
  await shot('top.png');

  });
  // ---- properties: failing first, expected names failing
  await step('properties', async () => {
  const cards = await page.$$eval('#properties article.prop', (els) => els.map((el) => ({ id: el.id, status: el.getAttribute('data-status'), group: el.getAttribute('data-group'), name: el.querySelector('.pname').textContent, hidden: el.hidden })));
  c.ok(cards.length === props.length, 'every property has a card', `${cards.length} cards, ${props.length} properties`);
  if (failingData.length) c.ok(cards[0]?.status === 'failed', 'the first property card is a failing one', cards[0] && `${cards[0].status}: ${cards[0].name}`);
  c.ok(cards.filter((x) => x.status === 'failed').length === failingData.length, 'as many failing cards as failing properties');
  const firstPassing = cards.findIndex((x) => x.status !== 'failed');
  c.ok(firstPassing < 0 || cards.slice(firstPassing).every((x) => x.status !== 'failed'), 'failing cards all come before passing ones');
  for (const name of args.expectFailing) c.ok(cards.some((x) => x.name === name && x.status === 'failed'), `"${name}" is shown as failing`);
  for (const p of props.filter((p) => /[<>&"']|javascript:/i.test(p.name) && !CONTROL.test(p.name)))
    c.ok(cards.some((x) => x.name === p.name), `the property named ${JSON.stringify(p.name)} shows as that literal text`);

  });
  // ---- a counterexample with logs from two sources around it
  await step('a counterexample with logs from two sources around it', async () => {
  let target = null;
  props.forEach((p, pi) => (p.counterexamples || []).forEach((e, ei) => {
    if (target || p.status !== 'failed') return;
    const near = new Set(lines.filter((l) => srcs[l[1]]?.timeline === e.timeline && l[0] >= e.t_ms - W && l[0] <= e.t_ms + W).map((l) => l[1]));
    if (near.size >= 2) target = { pi, ei, p, e };
  }));
  if (!target) c.skip('a counterexample\'s logs around it', 'no failing property has a counterexample with lines from two sources in its window');
  else {
    const card = page.locator(`#prop-${target.pi}`);
    await card.locator('summary.psum').click();
    const ex = card.locator('details.counterexample').nth(target.ei);
    await ex.locator('summary').click();
    await page.waitForSelector(`#prop-${target.pi} .around .lr`, { timeout: 10000 });
    await settle(page);
    const scope = `#prop-${target.pi} details.counterexample:nth-of-type(${target.ei + 1}) .around .vl`;
    const exIndex = await page.evaluate(({ pi, ei }) => { const d = document.querySelectorAll(`#prop-${pi} details.counterexample`)[ei]; d.querySelector('.around .vl').id = 'under-test'; return true; }, target);
    let rows = await visibleRows(page, '#under-test');
    c.ok(exIndex && rows && rows.some((r) => r.marker), 'the counterexample\'s moment is marked among the lines on screen');
    const shownSources = new Set(rows.filter((r) => !r.marker).map((r) => r.s));
    c.ok(shownSources.size >= 2, 'lines from at least two sources show around the counterexample', `${shownSources.size} source(s)`);
    // details shown as text
    const body = await ex.locator('.exbody').textContent();
    const strings = [];
    (function walk(v) { if (typeof v === 'string') strings.push(v); else if (v && typeof v === 'object') Object.entries(v).forEach(([k, x]) => { strings.push(k); walk(x); }); })(target.e.details);
    const literal = strings.filter((x) => x && !CONTROL.test(x) && x.length < 4000);
    c.ok(literal.every((x) => body.includes(x)), 'every string of the counterexample\'s details shows as literal text', literal.filter((x) => !body.includes(x)).slice(0, 3).join(' | '));
    if (strings.some((x) => CONTROL.test(x))) c.ok(await ex.locator('.exbody .ctl').count() > 0, 'control characters in details show as marked escapes');
    await shot('counterexample.png', ex);
    // source filter: hide the source with the most lines on screen
    const counts = {}; rows.filter((r) => !r.marker).forEach((r) => { counts[r.g] = (counts[r.g] || 0) + 1; });
    const g = Object.keys(counts).sort((a, b) => counts[b] - counts[a])[0];
    await ex.locator(`.around input[type=checkbox][data-g="${g}"]`).uncheck();
    await settle(page);
    rows = await visibleRows(page, '#under-test');
    const all = await page.$$eval('#under-test .lr', (els) => els.map((e) => e.getAttribute('data-g')));
    c.ok(!all.includes(g), 'unchecking a source hides its lines');
    c.ok(rows.some((r) => !r.marker), 'the other sources\' lines still show');
    await ex.locator(`.around input[type=checkbox][data-g="${g}"]`).check();
    await settle(page);
    c.ok((await page.$$eval('#under-test .lr', (els) => els.map((e) => e.getAttribute('data-g')))).includes(g), 'checking it again shows its lines again');
  }

  });
  // ---- the history drawing of a failed history
  await step('the history drawing of a failed history', async () => {
  const drawn = (D.timelines || []).filter((t) => t.history?.drawing);
  if (drawn.length) {
    const n = await page.locator('#timelines svg.history-svg').count();
    c.ok(n >= 1, 'a not linearizable history is drawn');
    const ops = await page.locator('#timelines svg.history-svg').first().locator('g.hop').count();
    c.ok(ops === drawn[0].history.drawing.operations.length, 'the drawing has a bar per operation', `${ops} bars`);
    await shot('history.png', page.locator('#timelines .history').filter({ has: page.locator('svg.history-svg') }).first());
  }
  const hi = props.findIndex((p) => p.builtin && /linearizable/i.test(p.name) && p.status === 'failed' && (p.counterexamples || []).some((e) => drawn.some((t) => t.timeline === e.timeline)));
  if (hi >= 0) {
    const ei = props[hi].counterexamples.findIndex((e) => drawn.some((t) => t.timeline === e.timeline));
    const card = page.locator(`#prop-${hi}`);
    if (!(await card.locator('details').first().evaluate((d) => d.open))) await card.locator('summary.psum').click();
    const ex = card.locator('details.counterexample').nth(ei);
    await ex.locator('summary').click();
    await ex.locator('svg.history-svg').waitFor({ timeout: 5000 }).catch(() => {});
    c.ok(await ex.locator('svg.history-svg').count() === 1, `"${props[hi].name}": its counterexample draws the timeline's history`);
    const tl = drawn.find((t) => t.timeline === props[hi].counterexamples[ei].timeline).history;
    const text = await ex.textContent();
    c.ok([...(tl.cannot_be_ordered || []), ...(tl.partial_linearization_tail || [])].every((x) => CONTROL.test(x) || text.includes(x)), 'and lists what cannot be ordered and the end of the partial linearization');
  }

  });
  // ---- property filters
  await step('property filters', async () => {
  const visibleCards = () => page.$$eval('#properties article.prop', (els) => els.filter((el) => el.offsetParent !== null).map((el) => ({ status: el.getAttribute('data-status'), group: el.getAttribute('data-group'), id: el.id })));
  const pick = props.find((p) => p.status !== 'failed' && p.name && !CONTROL.test(p.name)) || props[0];
  if (pick) {
    const q = pick.name.slice(0, Math.min(pick.name.length, 24));
    await page.fill('#prop-filter', q);
    await settle(page);
    const vis = await visibleCards();
    const expected = props.filter((p) => searchText(p).includes(q.trim().toLowerCase())).length;
    c.ok(vis.length === expected, `the text filter "${q}" shows the ${expected} matching properties`, `${vis.length} shown`);
    await page.fill('#prop-filter', 'no property is called this \u2603');
    await settle(page);
    c.ok((await visibleCards()).length === 0, 'a text that matches nothing hides every property');
    await page.fill('#prop-filter', '');
  }
  await page.selectOption('#prop-status', 'failed');
  let vis = await visibleCards();
  c.ok(vis.length === failingData.length && vis.every((x) => x.status === 'failed'), 'the status filter "failing" shows the failing properties only', `${vis.length} shown`);
  await page.selectOption('#prop-status', 'passed');
  vis = await visibleCards();
  c.ok(vis.length === props.length - failingData.length && vis.every((x) => x.status !== 'failed'), 'the status filter "passing" hides every failing property', `${vis.length} shown`);
  await page.selectOption('#prop-status', '');
  const group = props.find((p) => p.group === 'Built-in') ? 'Built-in' : 'Always';
  await page.selectOption('#prop-group', group);
  vis = await visibleCards();
  c.ok(vis.length === props.filter((p) => p.group === group).length && vis.every((x) => x.group === group), `the group filter "${group}" shows that group only`);
  await page.selectOption('#prop-group', '');
  c.ok((await visibleCards()).length === props.length, 'clearing the filters shows every property again');

  });
  // ---- timelines
  await step('timelines', async () => {
  for (const tl of tls.slice(0, 4)) {
    const box = page.locator(`#timeline-${tl.timeline}`);
    await box.scrollIntoViewIfNeeded();
    await page.waitForSelector(`#timeline-${tl.timeline} svg.tl-svg`, { timeout: 10000 });
    const svg = box.locator('svg.tl-svg');
    const ncmd = (D.commands || []).filter((x) => x.timeline === tl.timeline).length;
    c.ok(await svg.locator('rect.cmd').count() === ncmd, `timeline ${tl.timeline}: a bar per command invocation (${ncmd})`);
    const faults = (D.faults || []).filter((f) => f.timeline === tl.timeline);
    const drawnFaults = new Set(await svg.locator('g.fault').evaluateAll((els) => els.map((e) => e.getAttribute('data-fault'))));
    c.ok(faults.every((f) => drawnFaults.has(String(f.fault))), `timeline ${tl.timeline}: every fault is drawn as a band (${faults.length})`);
    const part = faults.find((f) => f.name === 'partition' && f.details?.partitions?.length);
    if (part) {
      const title = await svg.locator(`g.fault[data-fault="${part.fault}"] title`).first().textContent();
      c.ok(/groups:/.test(title) && part.details.partitions.flat().every((m) => title.includes(m)), `timeline ${tl.timeline}: a partition's band names its groups`);
    }
    if ((tl.assertion_failures || []).length) c.ok(await svg.locator('path.am').count() === tl.assertion_failures.length, `timeline ${tl.timeline}: assertion failures are marked`);
    if (tl === tls[0]) await shot('timeline.png', box);
  }

  });
  // ---- the full log
  await step('the full log', async () => {
  if (lines.length) {
    const log = page.locator('#full-log');
    await log.scrollIntoViewIfNeeded();
    const count = () => page.locator('#full-log .log-count').textContent();
    const rendered = await page.locator('#full-log .lr').count();
    c.ok(rendered > 0 && rendered < 400, 'the full log renders only the rows on screen', `${rendered} rows for ${lines.length} lines`);
    c.ok((await count()).includes(lines.length.toLocaleString('en-US')), 'the full log counts every line');
    const word = (() => { const l = lines[Math.floor(lines.length / 2)]; const w = String(l[3]).split(/\s+/).find((x) => x.length >= 4 && !CONTROL.test(x)); return w || String(l[3]).slice(0, 4); })();
    await page.fill('#full-log .log-text', word);
    await page.waitForFunction((w) => document.querySelector('#full-log .log-text').value === w, word);
    await sleep(250); await settle(page);
    const want = lines.filter((l) => String(l[3]).toLowerCase().includes(word.toLowerCase())).length;
    c.ok((await count()).startsWith(`showing ${want.toLocaleString('en-US')} of`), `the text filter "${word}" keeps the ${want} lines holding it`, await count());
    const shownText = await page.$$eval('#full-log .lr .lx', (els) => els.map((e) => e.textContent.toLowerCase()));
    c.ok(shownText.every((t) => t.includes(word.toLowerCase())), 'every line shown holds the text');
    await page.fill('#full-log .log-text', '');
    await sleep(250);
    if (tls.length > 1) {
      const n = tls[1].timeline;
      await page.selectOption('#full-log .log-timeline', String(n));
      await settle(page);
      const want2 = lines.filter((l) => srcs[l[1]]?.timeline === n).length;
      c.ok((await count()).startsWith(`showing ${want2.toLocaleString('en-US')} of`), `the timeline filter keeps timeline ${n}'s ${want2} lines`, await count());
      await page.selectOption('#full-log .log-timeline', '');
    }
    await settle(page);
    await shot('log.png', page.locator('#log'));
  }

  });
  // ---- keyboard: Tab to the filter, then to a property toggle; Enter opens it
  await step('keyboard', async () => {
  await page.reload();
  await waitReady(page, rec);
  await page.evaluate(() => { document.activeElement?.blur(); window.scrollTo(0, 0); });
  let reachedFilter = false, toggle = null;
  for (let i = 0; i < 300 && !toggle; i++) {
    await page.keyboard.press('Tab');
    const a = await page.evaluate(() => { const el = document.activeElement; return { id: el?.id, prop: !!el?.matches?.('article.prop > details > summary'), card: el?.closest?.('article.prop')?.id }; });
    if (a.id === 'prop-filter') reachedFilter = true;
    if (reachedFilter && a.prop) toggle = a.card;
  }
  c.ok(reachedFilter, 'Tab reaches the property filter');
  c.ok(!!toggle, 'Tab then reaches a property\'s toggle');
  if (toggle) {
    const outline = await page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle);
    c.ok(outline && outline !== 'none', 'the focused toggle shows its focus', outline);
    await page.keyboard.press('Enter');
    await settle(page);
    c.ok(await page.evaluate((id) => document.querySelector(`#${id} > details`).open && !!document.querySelector(`#${id} .pbody`), toggle), 'Enter expands the property');
  }

  });
  await checkInert(c, page, rec, args.url);
}

let code = 1;
try { await withBrowser(main); code = c.finish(); }
catch (e) { console.error(`report.test: ${e.stack || e}`); code = 1; }
process.exit(code);
