// Every browser test against the fixtures: builds the fixtures, fills the templates with them
// (render.mjs), runs report.test, runs.test and broken.test, then the perf benchmark.
//   node run-all.mjs [--no-perf] [--screenshots DIR]      (npm test)
import { spawnSync } from 'node:child_process';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderFile } from './render.mjs';
import { EXPECT_FAILING } from './make-fixtures.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const assets = join(here, '../../../src/report/assets');
const out = join(here, 'out');
const argv = process.argv.slice(2);
const shotsAt = argv.indexOf('--screenshots');
const shots = shotsAt >= 0 ? argv[shotsAt + 1] : join(out, 'screenshots');
const node = (script, ...args) => {
  console.log(`\n$ node ${script} ${args.map((a) => (/[\s<>]/.test(a) ? JSON.stringify(a) : a)).join(' ')}`);
  return spawnSync(process.execPath, [join(here, script), ...args], { stdio: 'inherit', cwd: here }).status;
};

if (node('csp-hash.mjs', '--check') !== 0) process.exit(1);
if (node('make-fixtures.mjs', ...(argv.includes('--no-perf') ? ['--small-only'] : [])) !== 0) process.exit(1);
renderFile(join(assets, 'report.html'), join(here, 'fixtures/report-small.json'), join(out, 'small/report.html'));
renderFile(join(assets, 'runs.html'), join(here, 'fixtures/runs.json'), join(out, 'runs/index.html'));
const failed = [];
if (node('report.test.mjs', join(out, 'small/report.html'), '--screenshots', shots, '--expect-failing', ...EXPECT_FAILING) !== 0) failed.push('report.test (small fixture)');
if (node('runs.test.mjs', join(out, 'runs/index.html'), '--screenshots', shots) !== 0) failed.push('runs.test');
if (node('broken.test.mjs', join(assets, 'report.html'), join(assets, 'runs.html')) !== 0) failed.push('broken.test');
if (!argv.includes('--no-perf')) {
  renderFile(join(assets, 'report.html'), join(out, 'report-100k.json'), join(out, 'big/report.html'));
  if (node('report.test.mjs', join(out, 'big/report.html')) !== 0) failed.push('report.test (100k fixture)');
  node('perf.mjs', join(out, 'big/report.html'));
}
if (failed.length) { console.error(`\nFAILED: ${failed.join(', ')}`); process.exit(1); }
console.log('\nall browser tests passed');
