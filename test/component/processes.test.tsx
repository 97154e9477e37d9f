/** @jsxRuntime automatic */
/** @jsxImportSource react */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KEY, TestSession, proc, renderApp, snapshot, thread, tick } from './harness.js';

function family() {
  return [
    proc({ pid: 100, comm: 'app', argv: ['./app', '-x'], cpu: 12.5, rss: 10 * 1024 * 1024,
      threads: [thread({ tid: 100, comm: 'app', wchan: 'do_sys_poll' }), thread({ tid: 101, comm: 'blocker' }),
        thread({ tid: 102, comm: 'worker', state: 'R', cpu: 50 })],
      hazards: [{ id: 'exec-with-prof-timer', severity: 'fatal', message: 'ITIMER_PROF armed across exec' }] }),
    proc({ pid: 110, ppid: 100, comm: 'child', depth: 1, leaderExited: true }),
    proc({ pid: 111, ppid: 110, comm: 'grandchild', depth: 2 }),
    proc({ pid: 119, ppid: 100, comm: 'unreaped', depth: 1, state: 'Z', exited: { code: 0 } }),
    proc({ pid: 120, ppid: 100, comm: 'gone', depth: 1, exited: { code: 3 } }),
  ];
}

function many(n: number) {
  return Array.from({ length: n }, (_, i) => proc({ pid: 1000 + i, comm: `w${i}`, depth: i === 0 ? 0 : 1 }));
}

test('process tree: glyphs, hazards, exited and leader-exited rows; Enter/→ expand, ← collapses', async (t) => {
  const s = new TestSession({ first: snapshot(1, family()) });
  const r = renderApp(s);
  t.after(() => r.cleanup());
  await tick();
  let text = r.frame();
  assert.match(text, /!!\s+100 S\s+12\.5\s+10M\s+3 app -x exec-with-prof-timer/);
  assert.match(text, /110 S .*├─child \[leader exited\]/);
  assert.match(text, /111 S .*│ └─grandchild/);
  assert.match(text, /120 X\s+└─gone \(exited 3\)/);
  assert.match(text, /119 Z\s+├─unreaped \(exited 0\)/, 'a zombie not reaped yet shows Z, as ps does');
  assert.doesNotMatch(text, /do_sys_poll/);

  await r.press(KEY.enter);
  text = r.frame();
  assert.match(text, /100 S\s+0\.0\s+├╴app\s+do_sys_poll/);
  assert.match(text, /101 S .*├╴blocker/);
  assert.match(text, /102 R\s+50\.0\s+└╴worker/);
  assert.deepEqual(r.selected().map((l) => l.trim().split(/\s+/)[1]), ['100']);

  await r.press(KEY.down, KEY.down); // onto thread 101
  assert.match(r.selected()[0], /101 S .*blocker/);
  await r.press(KEY.left); // collapses the parent and selects it
  assert.doesNotMatch(r.frame(), /blocker/);
  assert.match(r.selected()[0], /100 S .*app -x/);

  await r.press(KEY.down, KEY.right); // → on child: expands its one thread
  assert.match(r.frame(), /110 S .*child[\s\S]*110 S\s+0\.0\s+│ └╴child/);
});

test('scrolling keeps the selection visible with 50 processes in 24 rows; only visible rows are drawn', async (t) => {
  const s = new TestSession({ first: snapshot(1, many(50)) });
  const r = renderApp(s, { cols: 80, rows: 24 });
  t.after(() => r.cleanup());
  await tick();
  assert.equal(r.selected().length, 1);
  for (let i = 0; i < 30; i++) await r.press(KEY.down);
  assert.match(r.selected()[0], /\b1030\b/);
  assert.doesNotMatch(r.frame(), /\b1000\b/); // scrolled away, not drawn
  await r.press(KEY.end);
  assert.match(r.selected()[0], /\b1049\b/);
  await r.press(KEY.pgup);
  assert.equal(r.selected().length, 1);
  await r.press(KEY.home);
  assert.match(r.selected()[0], /\b1000\b/);
  const tableRows = r.lines().filter((l) => /^\s+\d{4} S/.test(l));
  assert.ok(tableRows.length > 5 && tableRows.length < 20, `drew ${tableRows.length} rows`);
  // The selection follows its pid when rows above it disappear.
  await r.press(KEY.down, KEY.down, KEY.down);
  s.push(snapshot(2, many(50).filter((p) => p.pid !== 1001)));
  await tick();
  assert.match(r.selected()[0], /\b1003\b/);
});

test('no frame is ever taller than rows - 1, through views, overlays, expansion and resizes', async (t) => {
  const screenless = new TestSession({ first: snapshot(1, many(50)) });
  const r = renderApp(screenless, { cols: 80, rows: 24 });
  t.after(() => r.cleanup());
  const check = (rows: number, what: string) => {
    const h = r.lines().length;
    assert.ok(h <= rows - 1, `${what}: frame of ${h} lines in ${rows} rows`);
    assert.ok(h >= rows - 2, `${what}: frame of ${h} lines leaves ${rows} rows unused`);
  };
  await tick();
  check(24, 'processes');
  for (const k of ['2', '3', '4', '1', KEY.end, KEY.enter, '?', 'x', 's', KEY.esc, '/', 'w', KEY.enter]) {
    await r.press(k);
    check(24, `after ${JSON.stringify(k)}`);
  }
  for (const [c, rows] of [[100, 40], [60, 12], [80, 24], [120, 50], [40, 8]] as const) {
    r.stdout.resize(c, rows);
    await tick();
    check(rows, `${c}x${rows}`);
    for (const k of ['2', '3', '4', '1']) {
      await r.press(k);
      check(rows, `${c}x${rows} view ${k}`);
    }
  }
  const wide = r.lines().filter((l) => [...l].length > 40);
  assert.deepEqual(wide, [], 'a line is wider than the terminal');
});

test('filter by name, argv or pid; Esc clears', async (t) => {
  const s = new TestSession({ first: snapshot(1, family()) });
  const r = renderApp(s);
  t.after(() => r.cleanup());
  await tick();
  await r.press('/', 'g', 'r', 'a', 'n', 'd');
  assert.match(r.frame(), /filter: grand/);
  assert.match(r.frame(), /grandchild/);
  assert.doesNotMatch(r.frame(), /gone/);
  await r.press(KEY.enter);
  assert.match(r.lines()[1], /\/grand/);
  await r.press('/', KEY.backspace, KEY.backspace, KEY.backspace, KEY.backspace, KEY.backspace, '1', '2');
  assert.match(r.frame(), /└─gone/);
  assert.doesNotMatch(r.frame(), /grandchild/);
  await r.press(KEY.esc);
  assert.match(r.frame(), /grandchild/);
  assert.match(r.frame(), /gone/);
});

test('q quits through session.quit (once); d/p/P act on the selected process and say what happened', async (t) => {
  const s = new TestSession({ first: snapshot(1, family()) });
  const r = renderApp(s);
  t.after(() => r.cleanup());
  await tick();
  const pid = s.snapshot()!.processes[0].pid;
  await r.press('d');
  await tick();
  assert.match(r.lines().at(-1)!, /heap dump 12 KB → \.\/out\/app\.\d+\.0001\.heap/);
  await r.press('p');
  await tick();
  assert.match(r.lines().at(-1)!, /CPU profile: no perftop shim/);
  await r.press('P');
  await tick();
  assert.match(r.lines().at(-1)!, /perf record of app \d+ started/);
  assert.deepEqual(s.profiled, [{ what: 'heap', pid }, { what: 'cpu', pid }, { what: 'perf', pid }]);
  let exited = false;
  void r.instance.waitUntilExit().then(() => { exited = true; });
  await r.press('q', KEY.f10, 'q');
  await tick();
  assert.equal(s.quits, 1);
  assert.equal(exited, true);
});

test('F10 quits too; with exitWithApp the TUI leaves when the app exits', async (t) => {
  const s = new TestSession({ first: snapshot(1, family()) });
  const r = renderApp(s, { exitWithApp: true });
  t.after(() => r.cleanup());
  await tick();
  assert.equal(s.quits, 0);
  const gone = r.instance.waitUntilExit();
  s.exit = { code: 3 };
  s.push(snapshot(2, family()));
  await gone;
  assert.equal(s.quits, 1);

  const s2 = new TestSession({ first: snapshot(1, family()) });
  const r2 = renderApp(s2);
  t.after(() => r2.cleanup());
  await tick();
  const exited = r2.instance.waitUntilExit(); // Ink only resolves waiters registered before the exit
  await r2.press(KEY.f10);
  await exited;
  assert.equal(s2.quits, 1);
});
