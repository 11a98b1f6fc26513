// Writes the fixtures the browser tests run against:
//   fixtures/report-small.json  a run with known failures and hostile strings (committed)
//   fixtures/runs.json          a runs folder's index with hostile directory names (committed)
//   out/report-100k.json        a run with 100,000 log lines (generated, not committed)
// Deterministic: the same files every time.  node make-fixtures.mjs [--small-only]
import { writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
export const HOSTILE = '</script><img src=x onerror=alert(1)>';
export const EXPECT_FAILING = ['Reads see the latest write', HOSTILE, 'History is linearizable', 'parallel_driver_put exits 0'];

function rng(seed) { // mulberry32
  return () => { seed |= 0; seed = (seed + 0x6d2b79f5) | 0; let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t; return ((t ^ (t >>> 14)) >>> 0) / 4294967296; };
}

// Builds a report: timelines of services, commands, faults, log lines and properties.
function build({ timelines, timelineMs, linesWanted, seed, commandsPerTimeline, faultsPerTimeline }) {
  const R = rng(seed);
  const services = ['etcd0', 'etcd1', 'etcd2', 'client1'];
  const sources = [], lines = [], commands = [], faults = [], tls = [];
  const source = (timeline, name, kind) => {
    let i = sources.findIndex((s) => s.timeline === timeline && s.name === name && s.kind === kind);
    if (i < 0) { i = sources.length; sources.push({ timeline, name, kind }); }
    return i;
  };
  const line = (t, src, stream, text) => lines.push([Math.round(t * 10) / 10, src, stream, text]);
  const byCommand = {};
  for (let n = 1; n <= timelines; n++) {
    const start = (n - 1) * (timelineMs + 500), end = start + timelineMs, setup = start + 2100;
    const composer = source(n, 'composer', 'composer'), faultSrc = source(n, 'faults', 'faults');
    const svcStates = services.map((name) => ({ name, states: [{ t_ms: start + 10, state: 'starting', detail: '' },
      { t_ms: start + 400, state: 'running', detail: '' }].concat(name === 'client1' ? [] : [{ t_ms: start + 1500, state: 'healthy', detail: '' }]) }));
    const phases = [{ phase: 'first', ending: '', t_ms: setup + 100 }, { phase: 'drivers', ending: '', t_ms: setup + 900 },
      { phase: 'ending', ending: n % 2 ? 'eventually' : 'finally', t_ms: end - 4000 }, { phase: 'done', ending: '', t_ms: end - 1500 }];
    phases.forEach((p) => line(p.t_ms, composer, 'event', `phase ${p.phase}${p.ending ? ' (' + p.ending + ')' : ''}`));
    // commands
    let inv = 0;
    const cmd = (name, kind, a, b, status, extra = {}) => {
      inv++;
      const c = { timeline: n, invocation: inv, command: name, kind, service: 'client1', start_ms: a, end_ms: b, status,
        timed_out: false, killed_by_composer: false, log: `logs/timeline-${n}/cmd-${inv}-${name}.log`, ...extra };
      commands.push(c);
      const src = source(n, `${name} #${inv}`, 'command');
      line(a, composer, 'event', `command ${inv} ${name} started in client1`);
      for (let t = a + 50; t < (b ?? end) - 10; t += 150 + R() * 300) line(t, src, R() < 0.15 ? 'err' : 'out', `${name}: put k${Math.floor(R() * 9)} ${Math.floor(R() * 100)} -> ok`);
      if (b != null) line(b, composer, 'event', `command ${inv} ${name} finished: ${c.killed_by_composer ? 'killed by the composer' : 'exit ' + status}`);
      const k = (byCommand[kind] ??= { kind, invocations: 0, by_status: {}, timed_out: 0, killed_by_composer: 0, unfinished: 0 });
      k.invocations++;
      if (status == null) k.unfinished++; else k.by_status[status] = (k.by_status[status] || 0) + 1;
      if (c.killed_by_composer) k.killed_by_composer++;
      if (c.timed_out) k.timed_out++;
      return c;
    };
    cmd('first_check', 'first', setup + 100, setup + 800, 0);
    const driversEnd = end - 4000;
    for (let i = 0; i < commandsPerTimeline; i++) {
      const a = setup + 900 + R() * (driversEnd - setup - 1900), d = 300 + R() * 2500;
      const roll = R();
      if (n === 1 && i === 0) cmd('parallel_driver_put', 'parallel_driver', start + 11000, start + 13500, 1); // invocation 3
      else if (n === 2 && i === 0) cmd('parallel_driver_put', 'parallel_driver', driversEnd - 1500, null, null); // unfinished
      else if (roll < 0.08) cmd('parallel_driver_put', 'parallel_driver', a, Math.min(a + d, driversEnd), 137, { killed_by_composer: true });
      else if (roll < 0.12) cmd('parallel_driver_get', 'parallel_driver', a, Math.min(a + d, driversEnd), 124, { timed_out: true });
      else cmd(roll < 0.5 ? 'parallel_driver_put' : 'parallel_driver_get', 'parallel_driver', a, Math.min(a + d, driversEnd), roll < 0.18 ? 1 : 0);
    }
    cmd(n % 2 ? 'eventually_check' : 'finally_check', n % 2 ? 'eventually' : 'finally', end - 3900, end - 1600, 0);
    // faults
    const fl = [];
    const fault = (name, type, nodes, a, b, details, reason) => {
      const f = { timeline: n, fault: fl.length + 1, name, fault_type: type, affected_nodes: nodes, details, start_ms: a, end_ms: b, reason, error: '' };
      fl.push(f); faults.push(f);
      line(a, faultSrc, 'event', `${details.description || name} (fault ${f.fault})`);
      if (b != null) line(b, faultSrc, 'event', `fault ${f.fault} ended: ${reason}`);
    };
    if (n === 1) {
      fault('partition', 'network', ['etcd0'], start + 5000, start + 9000,
        { shape: 'isolated', partitions: [['etcd0'], ['etcd1', 'etcd2', 'client1']], asymmetric: false, description: 'partition etcd0 | etcd1 etcd2 client1' }, 'expired');
      fault('pause', 'node', ['etcd1'], start + 10000, start + 13000, { description: 'pause etcd1 <b>bold?</b>' }, 'healed');
    }
    if (n === 2) {
      fault('partition', 'network', ['etcd0', 'etcd1', 'etcd2'], start + 5000, start + 8000,
        { shape: 'bridge', partitions: [['etcd0'], ['etcd1'], ['etcd2', 'etcd0', 'etcd1']], bridge: 'etcd2', asymmetric: true, description: 'bridge etcd0 | etcd1 via etcd2 (one-way)' }, 'stop_faults');
      fault('kill', 'node', ['etcd2'], start + 9000, start + 13000, { description: 'kill etcd2' }, 'expired');
      const e2 = svcStates.find((s) => s.name === 'etcd2');
      e2.states.push({ t_ms: start + 9000, state: 'exited', detail: 'killed by signal 9' }, { t_ms: start + 13000, state: 'starting', detail: '' },
        { t_ms: start + 13500, state: 'running', detail: '' }, { t_ms: start + 14500, state: 'unhealthy', detail: 'health: connection refused' }, { t_ms: start + 16000, state: 'healthy', detail: '' });
    }
    for (let i = fl.length; i < faultsPerTimeline; i++) {
      const a = setup + 1000 + R() * (driversEnd - setup - 3000), d = 2000 + R() * 8000;
      const kinds = ['partition', 'clog', 'loss', 'latency', 'pause'];
      const k = kinds[Math.floor(R() * kinds.length)], node = services[Math.floor(R() * 3)];
      if (k === 'partition') fault(k, 'network', [node], a, Math.min(a + d, driversEnd), { shape: 'isolated', partitions: [[node], services.filter((x) => x !== node)], asymmetric: false, description: `partition ${node} | rest` }, 'expired');
      else fault(k, k === 'pause' ? 'node' : 'network', [node], a, Math.min(a + d, driversEnd), { description: `${k} ${node}` }, 'expired');
    }
    // service lines: spread the rest of the wanted lines over the services
    tls.push({ timeline: n, seed: String(1000 + n * 7), outcome: 'completed', ending: n % 2 ? 'eventually' : 'finally', start_ms: start, end_ms: end, setup_ms: setup,
      phases, services: svcStates, assertion_failures: [], history: null });
  }
  const perTimeline = Math.max(0, Math.floor((linesWanted - lines.length) / timelines));
  for (let n = 1; n <= timelines && linesWanted; n++) {
    const tl = tls[n - 1];
    const count = n === timelines ? Math.max(0, linesWanted - lines.length) : perTimeline;
    for (let i = 0; i < count; i++) {
      const svc = services[i % 3], t = tl.start_ms + 400 + (i / count) * (tl.end_ms - tl.start_ms - 500);
      line(t, source(n, svc, 'service'), R() < 0.1 ? 'err' : 'out',
        `${new Date(Date.UTC(2026, 11, 2, 3, 10, 0) + t).toISOString()} ${svc} raft: term=${3 + n} index=${i} applied ${R() < 0.02 ? 'slow request took ' + Math.floor(R() * 900) + 'ms' : 'ok'}`);
    }
  }
  lines.sort((a, b) => a[0] - b[0]);
  return { sources, lines, commands, faults, tls, byCommand: Object.values(byCommand) };
}

function example(timeline, t, service, invocation, command, details, setupAt) {
  return { timeline, t_ms: t, since_setup_ms: setupAt == null ? null : Math.round((t - setupAt) * 10) / 10, service, invocation, command, details };
}

function report(b, extra) {
  const failing = extra.properties.filter((p) => p.status === 'failed').length;
  const faultsByName = {};
  b.faults.forEach((f) => { faultsByName[f.name] = (faultsByName[f.name] || 0) + 1; });
  return {
    schema: 'faultline-report', schema_version: 1, faultline_version: '0.1.0',
    run: { directory: '/work/runs/2026-12-02T03-10-00-12345', template: '/work/examples/etcd/test/v1', project: 'etcd', seed: '12345',
      duration_ms: b.tls.length * 30500, timeline_length_ms: 30000, started: '2026-12-02T03:10:00Z', finished: '2026-12-02T03:11:01Z', exit_status: 1,
      arguments: ['faultline', 'run', 'examples/etcd', '--duration', '1m'],
      reproduce: "faultline run examples/etcd --seed 12345 --duration 1m --timeline 30s --faults 'network,pause' # $(rm -rf ~) `x` <b>",
      timelines: b.tls.length, faults: 'network, pause, kill at 10/min' },
    verdict: { status: failing ? 'failed' : 'passed', properties: extra.properties.length, failing, interrupted: false },
    counts: { commands: b.byCommand, faults: faultsByName, sdk_lines: { read: 1234, invalid: 2 }, history_operations: 5000, events: 4321 },
    findings: extra.findings,
    properties: extra.properties,
    faults: b.faults,
    fault_unavailable: [{ timeline: 1, name: 'clock', reason: 'libfaketime is not installed' }],
    fault_failed: [{ timeline: 2, t_ms: 39000, name: 'pause', affected_nodes: ['etcd2'], reason: 'etcd2 is not running' }],
    commands: b.commands,
    timelines: b.tls,
    invalid_sdk_lines: { count: 2, by_file: { 'timelines/1/sdk/commands/3/sdk.jsonl': 2 },
      first: [{ file: 'timelines/1/sdk/commands/3/sdk.jsonl', line: 2, problem: 'not JSON (column 4)', text: '{"a": <script>window.__pwned=1</script>' },
        { file: 'timelines/1/sdk/commands/3/sdk.jsonl', line: 5, problem: 'cut mid-line (not JSON (column 9))', text: '{"antithe' }] },
    unreadable_events: [{ file: 'events.jsonl', line: 57, problem: 'cut mid-line (not JSON (column 30)); skipped' }],
    settings: { log_window_ms: 5000 },
    log: { sources: b.sources, lines: b.lines, omitted: extra.omitted || 0 },
  };
}

function prop(name, group, type, status, passes, fails, loc, extra = {}) {
  const assert_type = { Always: 'always', AlwaysOrUnreachable: 'always', Sometimes: 'sometimes', Reachable: 'reachability', Unreachable: 'reachability' }[type];
  return { name, group, type, assert_type, must_hit: type !== 'Unreachable' && type !== 'AlwaysOrUnreachable', builtin: group === 'Built-in', status, finding: null,
    passes, fails, location: loc, examples: [], counterexamples: [], ...extra };
}

export function smallReport() {
  const b = build({ timelines: 2, timelineMs: 30000, linesWanted: 1200, seed: 7, commandsPerTimeline: 10, faultsPerTimeline: 3 });
  const [t1, t2] = b.tls;
  const cexT = t1.start_ms + 12345.6;
  // service and command lines right around the hostile counterexample (timeline 1, invocation 3)
  const s0 = b.sources.findIndex((s) => s.timeline === 1 && s.name === 'etcd0');
  const sc = b.sources.findIndex((s) => s.timeline === 1 && s.kind === 'command' && s.name === 'parallel_driver_put #2');
  b.lines.push([cexT - 120, s0, 'err', 'etcd0 warn: <script>window.__pwned=1</script> javascript:alert(1) \u0007bell \u202eevil'],
    [cexT - 30, sc, 'out', 'put k1 3 -> timeout'], [cexT + 40, sc, 'err', 'assertion failed: ' + HOSTILE]);
  b.lines.sort((a, c) => a[0] - c[0]);
  t1.assertion_failures.push({ t_ms: cexT, property: HOSTILE, service: 'client1', invocation: 2 });
  t2.assertion_failures.push({ t_ms: t2.start_ms + 15000, property: 'Reads see the latest write', service: 'client1', invocation: 5 });
  t1.history = { model: 'kv', verdict: 'linearizable', operations: 2400, seconds: 0.004, error: '', cannot_be_ordered: [], partial_linearization_tail: [], drawing: null };
  t2.history = { model: 'kv', verdict: 'not linearizable', operations: 2600, seconds: 0.021, error: '',
    cannot_be_ordered: ['get k1 -> 3', 'put k1 4 -> ok'], partial_linearization_tail: ['put k1 1 -> ok', 'put k1 3 -> ok', 'get k1 -> 1 <i>stale</i>'],
    drawing: { clients: ['client1/1', 'client1/2', 'client1/3 <img src=x>'], operations: [
      { client: 0, call: 0, return: 10, text: 'put k1 1 -> ok', minimal: false, order: 0, blocked: false },
      { client: 1, call: 4, return: 18, text: 'put k1 3 -> ok', minimal: true, order: 1, blocked: false },
      { client: 0, call: 12, return: 30, text: 'get k1 -> 1', minimal: true, order: 2, blocked: false },
      { client: 2, call: 20, return: null, text: 'put k1 4 -> ?', minimal: false, order: null, blocked: false },
      { client: 1, call: 22, return: 35, text: 'get k1 -> 3', minimal: true, order: null, blocked: true },
      { client: 0, call: 33, return: 41, text: 'put k1 5 -> ok', minimal: false, order: null, blocked: false }] } };
  const hostileDetails = { key: '<b>x</b>', url: 'javascript:alert(1)', 'on<i>key</i>': 'value', ctrl: 'bell\u0007 nul\u0000 esc\u001b[31m red \u202e reversed',
    multi: 'line one\nline two\ttabbed', nested: { a: [1, 2, { b: '<i>deep</i>', c: [[1, 2], [3]] }], empty: {}, list: [] }, n: 3.5, ok: false, none: null };
  const P = [
    prop(HOSTILE, 'Always', 'Always', 'failed', 10, 2, { file: 'main.cpp', line: 42, function: 'put', class: '' }, {
      finding: 'still failing',
      counterexamples: [example(1, cexT, 'client1', 2, 'parallel_driver_put', hostileDetails, t1.setup_ms),
        example(2, t2.start_ms + 7000, 'client1', 4, 'parallel_driver_put', { key: 'k2', error: 'timeout' }, t2.setup_ms)],
      examples: [example(1, t1.start_ms + 4000, 'client1', 2, 'parallel_driver_put', { key: 'k1' }, t1.setup_ms)] }),
    prop('Reads see the latest write', 'Always', 'Always', 'failed', 40, 1, { file: 'client/check.go', line: 17, function: 'CheckRead', class: 'Checker' }, {
      finding: 'new failing',
      counterexamples: [example(2, t2.start_ms + 15000, 'client1', 5, 'parallel_driver_get', { wrote: 4, read: 3, key: 'k1' }, t2.setup_ms)],
      examples: [example(1, t1.start_ms + 6000, 'client1', 4, 'parallel_driver_get', { wrote: 1, read: 1 }, t1.setup_ms)] }),
    prop('Lease renewed on time', 'Always', 'AlwaysOrUnreachable', 'passed', 7, 0, { file: 'lease.cpp', line: 90, function: 'renew', class: 'Lease' }, { finding: 'passing' }),
    prop('Leader elected', 'Sometimes', 'Sometimes', 'passed', 3, 5, { file: 'main.cpp', line: 60, function: 'watch', class: '' }, {
      finding: 'passing', examples: [example(1, t1.start_ms + 3000, 'client1', 1, 'first_check', { leader: 'etcd1', term: 4 }, t1.setup_ms)] }),
    prop('Compaction ran', 'Reachability', 'Reachable', 'passed', 2, 0, { file: 'compact.cpp', line: 12, function: 'compact', class: '' }, { finding: 'passing' }),
    prop('Never panics', 'Reachability', 'Unreachable', 'passed', 0, 0, { file: 'main.cpp', line: 99, function: 'panic_handler', class: '' }, { finding: 'passing' }),
    prop('setup completes', 'Built-in', 'Always', 'passed', 2, 0, null, { finding: 'passing' }),
    prop('parallel_driver_put exits 0', 'Built-in', 'AlwaysOrUnreachable', 'failed', 8, 1, null, {
      finding: 'still failing', counterexamples: [example(1, t1.start_ms + 13500, 'client1', 3, 'parallel_driver_put', { status: 1, log: 'logs/timeline-1/cmd-3-parallel_driver_put.log' }, t1.setup_ms)] }),
    prop('parallel_driver_put exits 0 at least once', 'Built-in', 'Sometimes', 'passed', 8, 0, null, { finding: 'passing' }),
    prop('History is linearizable', 'Built-in', 'Always', 'failed', 1, 1, null, {
      finding: 'still failing', counterexamples: [example(2, t2.end_ms - 500, 'client1', 0, '', { model: 'kv', verdict: 'not linearizable', operations: 2600, history: 'timelines/2/history.jsonl' }, t2.setup_ms)] }),
  ];
  // failing first, then by group, then name (as the contract says the C++ side orders them)
  const G = ['Always', 'Sometimes', 'Reachability', 'Built-in'];
  P.sort((a, c) => (c.status === 'failed') - (a.status === 'failed') || G.indexOf(a.group) - G.indexOf(c.group) || (a.name < c.name ? -1 : a.name > c.name ? 1 : 0));
  return report(b, { properties: P, findings: { compared_with: '/work/runs/2026-12-01T00-00-00-999', new_failing: ['Reads see the latest write'], resolved: ['Old flaky <u>property</u>'],
    still_failing: [HOSTILE, 'History is linearizable', 'parallel_driver_put exits 0'], passing: P.filter((p) => p.status === 'passed').map((p) => p.name) } });
}

export function bigReport(lines = 100000) {
  const b = build({ timelines: 4, timelineMs: 30000, linesWanted: lines, seed: 11, commandsPerTimeline: 150, faultsPerTimeline: 12 });
  const P = [];
  for (let i = 0; i < 40; i++) {
    const tl = b.tls[i % 4], failed = i % 9 === 0, t = tl.start_ms + 5000 + i * 500;
    const group = ['Always', 'Sometimes', 'Reachability'][i % 3], type = ['Always', 'Sometimes', 'Reachable'][i % 3];
    P.push(prop(`property ${i} holds`, group, type, failed ? 'failed' : 'passed', 100 + i, failed ? 3 : 0, { file: 'main.cpp', line: 10 + i, function: 'f' + i, class: '' }, {
      counterexamples: failed ? [example(tl.timeline, t, 'client1', 2, 'parallel_driver_put', { i, why: 'seeded failure' }, tl.setup_ms)] : [],
      examples: [example(tl.timeline, t - 1000, 'client1', 2, 'parallel_driver_put', { i }, tl.setup_ms)] }));
    if (failed) tl.assertion_failures.push({ t_ms: t, property: `property ${i} holds`, service: 'client1', invocation: 2 });
  }
  P.sort((a, c) => (c.status === 'failed') - (a.status === 'failed'));
  b.tls.forEach((tl) => { tl.history = { model: 'kv', verdict: 'linearizable', operations: 1000, seconds: 0.01, error: '', cannot_be_ordered: [], partial_linearization_tail: [], drawing: null }; });
  return report(b, { properties: P, omitted: 0, findings: { compared_with: null, new_failing: [], resolved: [], still_failing: [], passing: [] } });
}

export function runsIndex() {
  const run = (directory, started, status, failing, extra = {}) => ({ directory, template: '/work/examples/etcd/test/v1', project: 'etcd', seed: String(1000 + failing), started,
    duration_ms: 120000, status, failing, properties: 28, findings: { new_failing: failing ? 1 : 0, resolved: 0, still_failing: Math.max(0, failing - 1) }, ...extra });
  // deliberately not in order: the page shows newest first
  return { schema: 'faultline-runs', schema_version: 1, runs: [
    run('2026-12-02T03-10-00-12345', '2026-12-02T03:10:00Z', 'failed', 2),
    run('2026-12-03T08-00-00-1', '2026-12-03T08:00:00Z', 'passed', 0),
    run('javascript:alert(1)', '2026-12-01T10:00:00Z', 'unknown', 0, { template: '<img src=x onerror=alert(1)>', project: '</script><script>window.__pwned=1</script>' }),
    run('../../etc', '2026-12-01T09:00:00Z', 'failed', 1),
    run('<img src=x onerror=alert(1)> dir', '2026-12-01T08:00:00Z', 'interrupted', 0, { template: 'javascript:alert(1)' }),
    run('nested/2026-11-30T00-00-00-5', '2026-11-30T00:00:00Z', 'passed', 0),
    run('//evil.example/x', '2026-11-29T00:00:00Z', 'passed', 0),
    run('2026-12-02T12-00-00-777', '2026-12-02T12:00:00Z', 'failed', 3, { findings: { new_failing: 2, resolved: 1, still_failing: 1 } }),
  ] };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  // Readable fixtures: indented, but a log line, an operation or a state on one line each.
  const pretty = (v) => {
    const flat = [];
    const text = JSON.stringify(v, (k, x) => (Array.isArray(x) && x.length && typeof x[0] === 'number' && k === '' ? x
      : (x && typeof x === 'object' && (Array.isArray(x) ? x.every((y) => y === null || typeof y !== 'object') : Object.values(x).every((y) => y === null || typeof y !== 'object')) && JSON.stringify(x).length < 160)
        ? `\u0000${flat.push(JSON.stringify(x)) - 1}` : x), 1);
    return text.replace(/"\\u0000(\d+)"/g, (m, i) => flat[Number(i)]);
  };
  const write = (p, v) => { mkdirSync(dirname(p), { recursive: true }); writeFileSync(p, (p.includes('100k') ? JSON.stringify(v) : pretty(v)) + '\n'); console.log('wrote', p); };
  write(join(here, 'fixtures/report-small.json'), smallReport());
  write(join(here, 'fixtures/runs.json'), runsIndex());
  if (!process.argv.includes('--small-only')) write(join(here, 'out/report-100k.json'), bigReport());
}
