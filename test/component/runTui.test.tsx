/** @jsxRuntime automatic */
/** @jsxImportSource react */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import xtermHeadless from '@xterm/headless';
import { runTui } from '../../src/ui/index.js';
import { loadTheme } from '../../src/ui/theme.js';
import { FakeStdin, FakeStdout, KEY, TestSession, proc, snapshot, tick } from './harness.js';

const { Terminal } = xtermHeadless;

test('runTui keeps the screen right across updates in a real terminal emulator (alternate screen, restored on quit)', async (t) => {
  // convertEol stands in for the tty driver's ONLCR, which turns Ink's \n into CR LF on a real terminal.
  const term = new Terminal({ cols: 80, rows: 24, allowProposedApi: true, convertEol: true });
  t.after(() => term.dispose());
  const stdout = new FakeStdout(80, 24);
  stdout.isTTY = true;
  const written: string[] = [];
  stdout.write = (s: string) => { written.push(s); term.write(s); return true; };
  const stdin = new FakeStdin();
  const procs = (n: number) => Array.from({ length: n }, (_, i) => proc({ pid: 500 + i, comm: `w${i}`, depth: i ? 1 : 0, cpu: n }));
  const s = new TestSession({ first: snapshot(1, procs(30)) });
  const done = runTui(s, { theme: loadTheme('default', {}), exitWithApp: false,
    stdin: stdin as unknown as NodeJS.ReadStream, stdout: stdout as unknown as NodeJS.WriteStream });
  const grid = async () => {
    await new Promise<void>((r) => term.write('', r));
    const b = term.buffer.active;
    return Array.from({ length: term.rows }, (_, y) => b.getLine(y)!.translateToString(true));
  };
  try {
    await tick(60);
    for (let i = 2; i < 6; i++) {
      s.push(snapshot(i, procs(30 - i)));
      await tick(50);
    }
    stdin.write(KEY.down);
    await tick(60);
    const g = await grid();
    assert.equal(term.buffer.active.type, 'alternate');
    assert.match(g[0], /^perftop \.\/app -x/); // nothing scrolled off the top
    assert.match(g[3], /500 S\s+25\.0/); // the latest tick's numbers, after several updates
    assert.doesNotMatch(g.join('\n'), /\b525\b/); // rows from older ticks are gone, not left behind
    assert.match(g[22], /press \? for help/); // status line on row 23 of 24: the frame is rows - 1 tall
    assert.equal(g[23], '');
    // Narrower: the terminal re-wraps the old frame; after the resize the screen is the new frame and nothing else.
    term.resize(60, 24);
    stdout.resize(60, 24);
    await tick(250); // the repaint waits for the size to be still (100 ms)
    const n = await grid();
    assert.match(n[0], /^perftop \.\/app -x/);
    assert.equal(n.filter((l) => /── app|help/.test(l) && l.length > 60).length, 0, n.join('\n'));
    assert.ok(n.every((l) => l.length <= 60), n.join('\n'));
    assert.equal(n.filter((l) => /^\s+500 S/.test(l)).length, 1, n.join('\n'));
  } finally {
    stdin.write('q');
    await done;
  }
  assert.equal(s.quits, 1);
  assert.equal(written[0], '\x1b[?1049h\x1b[H');
  assert.equal(written.at(-1), '\x1b[?1049l');
  await new Promise<void>((r) => term.write('', r));
  assert.equal(term.buffer.active.type, 'normal');
});
