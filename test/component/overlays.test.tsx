/** @jsxRuntime automatic */
/** @jsxImportSource react */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BINDINGS, HELP, keyLabel } from '../../src/ui/keys.js';
import { WATCHING_THROTTLE_MS } from '../../src/ui/hooks/useScreenLines.js';
import { createAppScreen } from '../../src/supervisor/appScreen.js';
import { KEY, TestSession, proc, renderApp, snapshot, thread, tick } from './harness.js';

function app() {
  return [
    proc({ pid: 200, comm: 'app', argv: ['./app'],
      signals: { caught: ['SIGINT', 'SIGUSR1'], ignored: ['SIGPIPE'], pending: [] },
      threads: [thread({ tid: 200, comm: 'app' }), thread({ tid: 201, comm: 'blocker', blocked: ['SIGUSR1'] }),
        thread({ tid: 202, comm: 'worker' })] }),
  ];
}
const events = [{ t: 1, pid: 200, kind: 'disposition' as const, signal: 'SIGUSR1', action: 'handler on_usr1', old: 'SIG_DFL', caller: 'main' }];

test('help overlay (? and F1) lists every key of the bindings table; any key closes it', async (t) => {
  const s = new TestSession({ first: snapshot(1, app()) });
  const r = renderApp(s);
  t.after(() => r.cleanup());
  await tick();
  await r.press('?');
  const text = r.frame();
  for (const h of HELP) {
    const labels = h.commands.flatMap((c) => BINDINGS[c].map(keyLabel));
    const line = r.lines().find((l) => l.includes(h.what.slice(0, 20)));
    assert.ok(line, `help line for "${h.what}"`);
    for (const label of labels) assert.ok(line.split(/\s+/).includes(label), `${label} on "${line}"`);
  }
  assert.match(text, /Ctrl-\]/);
  await r.press('x');
  assert.doesNotMatch(r.frame(), /any key closes/);
  assert.equal(s.quits, 0); // the closing key did nothing else
  await r.press(KEY.f1);
  assert.match(r.frame(), /any key closes/);
});

test('a small terminal: the top bar still says ? help and q quit; the help scrolls with ↓/PgDn to its last key', async (t) => {
  const s = new TestSession({ first: snapshot(1, app()) });
  const r = renderApp(s, { cols: 60, rows: 15 });
  t.after(() => r.cleanup());
  await tick();
  assert.match(r.lines()[1], /\? help q quit\s*$/);
  await r.press('?');
  assert.match(r.frame(), /↑↓ more/);
  assert.doesNotMatch(r.frame(), /quit \(ends the app/);
  for (let i = 0; i < 3; i++) await r.press(KEY.pgdn);
  assert.match(r.frame(), /quit \(ends the app/, 'the last entry reached');
  assert.equal(s.quits, 0);
  await r.press('x');
  assert.doesNotMatch(r.frame(), /↑↓ more/);
});

test('signal menu: dispositions first, typing filters, Enter on a caught signal sends to the process', async (t) => {
  const s = new TestSession({ first: snapshot(1, app(), events) });
  const r = renderApp(s);
  t.after(() => r.cleanup());
  await tick();
  await r.press('s');
  let text = r.frame();
  assert.match(text, /Send a signal to 200 app/);
  assert.match(text, /2 SIGINT\s+caught/);
  assert.match(text, /13 SIGPIPE\s+ignored/);
  assert.match(text, /10 SIGUSR1\s+caught by on_usr1; blocked in 1\/3 threads/);
  assert.match(text, /15 SIGTERM\s+default: terminate/);
  await r.press('u', 's', 'r');
  text = r.frame();
  assert.match(text, /filter: usr/);
  assert.doesNotMatch(text, /SIGTERM/);
  assert.match(r.selected()[0], /SIGUSR1/);
  await r.press(KEY.enter);
  await tick();
  assert.deepEqual(s.sent, [{ target: { pid: 200 }, signal: 10 }]);
  assert.match(r.lines().at(-1)!, /signal 10 → 200/);
  assert.doesNotMatch(r.frame(), /Send a signal/);
  // A newer event does not wipe the send's result off the status line right away.
  s.push(snapshot(2, app(), [{ t: Date.now() + 1, pid: 200, kind: 'spawn', comm: 'x' }]));
  await tick();
  assert.match(r.lines().at(-1)!, /signal 10 → 200/);
});

test('signal menu: a terminating default asks y/n; n cancels, y sends; number filter; Esc closes', async (t) => {
  const s = new TestSession({ first: snapshot(1, app(), events) });
  const r = renderApp(s);
  t.after(() => r.cleanup());
  await tick();
  await r.press('k', '1', '5');
  assert.match(r.selected()[0], /15 SIGTERM/);
  await r.press(KEY.enter);
  assert.match(r.frame(), /Send SIGTERM to 200 app\? default: terminate\.\s+y\/n/);
  await r.press('n');
  assert.doesNotMatch(r.frame(), /y\/n/);
  assert.deepEqual(s.sent, []);
  await r.press(KEY.enter, 'y');
  await tick();
  assert.deepEqual(s.sent, [{ target: { pid: 200 }, signal: 15 }]);

  await r.press(KEY.f9, KEY.esc);
  assert.doesNotMatch(r.frame(), /Send a signal/);
  await r.press('s', KEY.down, KEY.down, KEY.esc, 'q'); // Esc closed the menu, so q quits
  await tick();
  assert.equal(s.quits, 1);
});

test('signal menu on a thread row targets that thread and describes its own mask', async (t) => {
  const s = new TestSession({ first: snapshot(1, app(), events) });
  const r = renderApp(s);
  t.after(() => r.cleanup());
  await tick();
  await r.press(KEY.enter, KEY.down, KEY.down); // expand, select thread 201 (blocker)
  await r.press('s');
  assert.match(r.frame(), /Send a signal to thread 201 of 200 app/);
  assert.match(r.frame(), /SIGUSR1\s+caught by on_usr1; blocked in this thread \(stays pending\)/);
  await r.press('u', 's', 'r', '1', KEY.enter);
  await tick();
  assert.deepEqual(s.sent, [{ target: { pid: 200, tid: 201 }, signal: 10 }]);
});

test('input mode forwards raw keys to the app, Ctrl-] returns; the pane shows the app screen', async (t) => {
  const screen = createAppScreen(80, 6);
  t.after(() => screen.dispose());
  await new Promise<void>((res) => screen.write('login: \x1b[1;32mready\x1b[0m', res));
  const s = new TestSession({ first: snapshot(1, app()), screen });
  const r = renderApp(s);
  t.after(() => r.cleanup());
  await tick();
  assert.match(r.frame(), /── app · i to type ──/);
  assert.match(r.frame(), /login: ready/);
  await r.press('i');
  assert.match(r.frame(), /typing \(Ctrl-\] returns\)/);
  await r.press('q', 'x', KEY.up, KEY.enter, '\x03', KEY.esc, KEY.f10);
  assert.deepEqual(s.written, ['q', 'x', '\x1b[A', '\r', '\x03', '\x1b', '\x1b[21~']);
  assert.equal(s.quits, 0);
  await r.press(KEY.ctrlRightBracket);
  assert.match(r.frame(), /i to type/);
  await r.press('x');
  assert.equal(s.written.length, 7); // back to perftop keys
  // The app writes while the TUI runs: the pane follows, throttled to WATCHING_THROTTLE_MS when not typing.
  await new Promise<void>((res) => screen.write('\r\nsecond line', res));
  await tick(WATCHING_THROTTLE_MS / 2);
  assert.doesNotMatch(r.frame(), /second line/, 'not before the throttle');
  await tick(WATCHING_THROTTLE_MS);
  assert.match(r.frame(), /second line/);
  assert.equal(screen.cols, 80);
  assert.equal(screen.rows, 6); // pane: 7 lines in 24 rows, one of them the title rule
  r.stdout.resize(100, 31);
  await tick();
  assert.equal(screen.cols, 100); // the emulated terminal follows the window
  assert.equal(screen.rows, 9); // a third of the 30-line frame, less the rule
  assert.match(r.frame(), /second line/);
});

test('typing mode ends when the app exits: q quits again', async (t) => {
  const screen = createAppScreen(80, 6);
  t.after(() => screen.dispose());
  const s = new TestSession({ first: snapshot(1, app()), screen });
  const r = renderApp(s);
  t.after(() => r.cleanup());
  await tick();
  await r.press('i');
  assert.match(r.frame(), /typing \(Ctrl-\] returns\)/);
  s.exit = { code: 7 };
  s.push(snapshot(2, app()));
  // The snapshot re-renders, then the exit's effect leaves typing mode and renders again.
  for (let i = 0; i < 20 && /TYPING/.test(r.frame()); i++) await tick();
  assert.doesNotMatch(r.frame(), /TYPING|typing \(Ctrl-\] returns\)/);
  await r.press('q');
  await tick();
  assert.equal(s.quits, 1);
  assert.deepEqual(s.written, []);
});

test('attached (no screen): a one-line note, and i explains there is no PTY', async (t) => {
  const s = new TestSession({ first: snapshot(1, app()) });
  const r = renderApp(s);
  t.after(() => r.cleanup());
  await tick();
  assert.match(r.frame(), /attached: the app writes to its own terminal/);
  await r.press('i');
  assert.match(r.lines().at(-1)!, /no PTY to type into/);
  await r.press('q');
  await tick();
  assert.equal(s.quits, 1);
});

test('attached: no "i type" hint; a filter that matches nothing says so; no signal menu for an exited process', async (t) => {
  const gone = proc({ pid: 300, comm: 'gone', exited: { code: 0 }, state: 'X' });
  const s = new TestSession({ first: snapshot(1, [gone]) });
  const r = renderApp(s);
  t.after(() => r.cleanup());
  await tick();
  assert.doesNotMatch(r.lines()[1], / type /);
  await r.press('s');
  assert.match(r.lines().at(-1)!, /gone 300 has exited: no signal can reach it/);
  assert.doesNotMatch(r.frame(), /Send a signal/);
  await r.press('/', 'z', 'z', 'z', KEY.enter);
  assert.match(r.frame(), /no process matches \/zzz/);
});
