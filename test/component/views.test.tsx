/** @jsxRuntime automatic */
/** @jsxImportSource react */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AllocCounters } from '../../src/model/snapshot.js';
import { KEY, TestSession, proc, renderApp, snapshot, thread, tick } from './harness.js';

const alloc = (rate: number, live: number): AllocCounters =>
  ({ allocs: 5000, frees: 4000, allocBytes: 8 << 20, freeBytes: 4 << 20, liveBytes: live, peakBytes: 6 << 20, allocsPerSec: rate });

test('signals view: caught / ignored / blocked in one thread, changes highlighted, events and hazards', async (t) => {
  const threads = [thread({ tid: 300, comm: 'app' }), thread({ tid: 301, comm: 'blocker', blocked: ['SIGUSR1'] }),
    thread({ tid: 302, comm: 'worker', pending: ['SIGALRM'] })];
  const before = proc({ pid: 300, comm: 'app', threads, signals: { caught: ['SIGINT'], ignored: ['SIGPIPE'], pending: [] } });
  const after = proc({ pid: 300, comm: 'app', threads, signals: { caught: ['SIGINT', 'SIGUSR1'], ignored: ['SIGPIPE'], pending: [] },
    hazards: [{ id: 'blocked-profiling-signal', severity: 'warn', message: 'SIGPROF blocked in a worker', fix: 'unblock it' }] });
  const s = new TestSession({ first: snapshot(1, [before]) });
  const r = renderApp(s);
  t.after(() => r.cleanup());
  await tick();
  await r.press('2');
  assert.match(r.frame(), /caught\s+SIGINT\n/);
  s.push(snapshot(2, [after], [{ t: Date.now(), pid: 300, kind: 'disposition', signal: 'SIGUSR1', action: 'handler on_usr1', old: 'SIG_DFL', caller: 'main' }]));
  await tick();
  const text = r.frame();
  assert.match(text, /caught\s+SIGINT SIGUSR1\*/);
  assert.match(text, /ignored\s+SIGPIPE/);
  assert.match(text, /blocked\s+SIGUSR1\s+blocked in 1\/3 threads: blocker/);
  assert.match(text, /pending\s+SIGALRM \(thread 302\)/);
  assert.match(text, /SIGUSR1 → handler on_usr1 \(was SIG_DFL\) by main/);
  assert.match(text, /WARN blocked-profiling-signal: SIGPROF blocked in a worker/);
  assert.match(text, /fix: unblock it/);
  // The changed signal is drawn in the `changed` role (default theme: magenta #d787ff, bold).
  const raw = r.stdout.frames.at(-1)!;
  assert.match(raw, /\x1b\[38;2;215;135;255m(\x1b\[1m)?SIGUSR1\*/);
  // The next tick with no change clears the mark.
  s.push(snapshot(3, [after]));
  await tick();
  assert.match(r.frame(), /caught\s+SIGINT SIGUSR1\n/);
});

test('signals view follows the selected process', async (t) => {
  const s = new TestSession({ first: snapshot(1, [
    proc({ pid: 1, comm: 'one', signals: { caught: ['SIGHUP'], ignored: [], pending: [] } }),
    proc({ pid: 2, comm: 'two', depth: 1, signals: { caught: ['SIGTERM'], ignored: [], pending: [] } }),
  ]) });
  const r = renderApp(s);
  t.after(() => r.cleanup());
  await tick();
  await r.press('2');
  assert.match(r.frame(), /1 one[\s\S]*caught\s+SIGHUP/);
  await r.press(KEY.down);
  assert.match(r.frame(), /2 two[\s\S]*caught\s+SIGTERM/);
});

test('allocations view: counters, "not counted" with its note (never zeros), sparklines, sort toggle', async (t) => {
  const mk = (i: number) => [
    proc({ pid: 400, comm: 'app', alloc: alloc(100 * i, (1 << 20) * i),
      threads: [thread({ tid: 400, comm: 'app', alloc: alloc(10 * i, 1000) }), thread({ tid: 401, comm: 'helper' })] }),
    proc({ pid: 401 + 10, comm: 'static', depth: 1, alloc: null, allocNote: 'static binary' }),
    proc({ pid: 412, comm: 'big', depth: 1, alloc: alloc(5, 64 << 20) }),
  ];
  const s = new TestSession({ first: snapshot(1, mk(1)) });
  const r = renderApp(s);
  t.after(() => r.cleanup());
  await tick();
  await r.press('3');
  for (let i = 2; i <= 8; i++) {
    s.push(snapshot(i, mk(i)));
    await tick(5);
  }
  await tick();
  const text = r.frame();
  assert.match(text, /PID NAME\s+ALLOCS\s+TOTAL\s+LIVE\s+PEAK\s+ALLOC\/S\s+rate\s+live/);
  assert.match(text, /400 app\s+5\.0k\s+8\.0M\s+8\.0M\s+6\.0M\s+800 ▁▂▃▄▅▆▇█ ▁▂▃▄▅▆▇█/);
  assert.match(text, /411 ├─static\s+not counted: static binary/);
  assert.doesNotMatch(r.lines().find((l) => l.includes('static'))!, /\b0\b|0B/);
  await r.press(KEY.enter);
  assert.match(r.frame(), /400 ├╴app\s+5\.0k/);
  assert.match(r.frame(), /401 └╴helper\s+no per-thread counts/);
  await r.press('o');
  assert.match(r.lines()[1], /sort:live/);
  const order = () => r.lines().filter((l) => /^\s+4\d\d /.test(l)).map((l) => l.trim().split(/\s+/)[0]);
  assert.deepEqual(order(), ['412', '400', '400', '401', '411']);
  await r.press('o');
  assert.match(r.lines()[1], /sort:rate/);
  assert.deepEqual(order(), ['400', '400', '401', '412', '411']);
  await r.press('o');
  assert.deepEqual(order(), ['400', '400', '401', '411', '412']);
});

test('files view: says so when empty, lists dump files with sizes', async (t) => {
  const s = new TestSession({ first: snapshot(1, [proc({ pid: 1 })]) });
  const r = renderApp(s);
  t.after(() => r.cleanup());
  await tick();
  await r.press('4');
  assert.match(r.frame(), /No profile files yet\./);
  s.push(snapshot(2, [proc({ pid: 1 })], [{ t: Date.now(), pid: 1, kind: 'dump', file: 'p1.1.1.heap', size: 123456 }]));
  await tick();
  assert.match(r.frame(), /p1\.1\.1\.heap\s+121K\s+1/);
  assert.match(r.lines().at(-1)!, /dump 1: p1\.1\.1\.heap \(123456 bytes\)/);
  await r.press(KEY.tab); // Tab cycles back to processes
  assert.match(r.lines()[2], /PID S\s+CPU%/);
  await r.press(KEY.backtab); // Shift-Tab goes the other way: back to files
  assert.match(r.frame(), /p1\.1\.1\.heap\s+121K/);
});

test('signals view wraps long hazard text and pages with PgDn/PgUp without running past the end', async (t) => {
  const long = 'SIGPROF is blocked in 2 of 5 threads, so CPU profiles will silently miss whatever those threads do while the profiler runs';
  const p = proc({ pid: 7, comm: 'srv', threads: Array.from({ length: 5 }, (_, i) => thread({ tid: 7 + i, comm: `t${i}`, blocked: i % 2 ? ['SIGPROF'] : [] })),
    signals: { caught: ['SIGHUP', 'SIGINT', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2', 'SIGTERM'], ignored: ['SIGPIPE'], pending: [] },
    hazards: [{ id: 'prof-blocked', severity: 'warn', message: long, fix: 'unblock SIGPROF in the worker threads' },
      { id: 'other', severity: 'info', message: 'a', fix: 'b' }, { id: 'third', severity: 'fatal', message: 'c' }] });
  const s = new TestSession({ first: snapshot(1, [p]) });
  const r = renderApp(s, { cols: 60, rows: 16 });
  t.after(() => r.cleanup());
  await tick();
  await r.press('2');
  assert.match(r.frame(), /more lines \(PgDn\)/);
  await r.press(KEY.pgdn, KEY.pgdn, KEY.pgdn);
  const text = r.frame();
  assert.match(text, /WARN prof-blocked:\n\s+SIGPROF is blocked in 2 of 5 threads, so CPU profiles\n\s+will silently miss/);
  assert.match(text, /FATAL third: c\n/); // the last line of the view ends the page
  assert.ok(r.lines().filter((l) => l.trim()).length >= 8, 'the last page is full, not one line');
  await r.press(KEY.pgup, KEY.pgup, KEY.pgup);
  assert.match(r.frame(), /7 srv\s+5 threads/);
});
