import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createAppScreen, paletteHex } from '../../src/supervisor/appScreen.js';

function written(screen: ReturnType<typeof createAppScreen>, data: string): Promise<void> {
  return new Promise((resolve) => screen.write(data, resolve));
}

function plain(screen: ReturnType<typeof createAppScreen>): string[] {
  return screen.lines().map((l) => l.map((r) => r.text).join(''));
}

test('palette: system colours, cube and grey ramp follow xterm', () => {
  assert.equal(paletteHex(1), '#cd0000');
  assert.equal(paletteHex(16), '#000000');
  assert.equal(paletteHex(196), '#ff0000');
  assert.equal(paletteHex(21), '#0000ff');
  assert.equal(paletteHex(232), '#080808');
  assert.equal(paletteHex(255), '#eeeeee');
});

test('colours and attributes become styled runs', async (t) => {
  const s = createAppScreen(40, 5);
  t.after(() => s.dispose());
  await written(s, 'plain \x1b[1;31mred\x1b[0m \x1b[38;5;208morange\x1b[0m \x1b[38;2;1;2;3;48;5;4mrgb\x1b[0m \x1b[2;3;4;7mx\x1b[0m');
  const runs = s.lines()[0];
  assert.deepEqual(runs.map((r) => r.text), ['plain ', 'red', ' ', 'orange', ' ', 'rgb', ' ', 'x']);
  assert.deepEqual(runs[1], { text: 'red', fg: '#cd0000', bold: true });
  assert.equal(runs[3].fg, paletteHex(208));
  assert.deepEqual(runs[5], { text: 'rgb', fg: '#010203', bg: '#0000ee' });
  assert.deepEqual(runs[7], { text: 'x', dim: true, italic: true, underline: true, inverse: true });
  assert.equal(runs[0].fg, undefined);
});

test('cursor movement and clear-line edit the grid like a terminal', async (t) => {
  const s = createAppScreen(20, 4);
  t.after(() => s.dispose());
  await written(s, 'hello world\r\nsecond line\r\nthird');
  await written(s, '\x1b[1;7H'); // row 1, column 7
  await written(s, 'WORLD');
  await written(s, '\x1b[2;1H\x1b[2K'); // clear the second line
  await written(s, '\x1b[3;3H\x1b[K'); // clear the third from column 3
  assert.deepEqual(plain(s), ['hello WORLD', '', 'th', '']);
});

test('scrolling keeps only the visible rows; resize changes the grid', async (t) => {
  const s = createAppScreen(10, 3);
  t.after(() => s.dispose());
  await written(s, '1\r\n2\r\n3\r\n4\r\n5');
  assert.deepEqual(plain(s), ['3', '4', '5']);
  let changes = 0;
  const off = s.onChange(() => changes++);
  const sizes: string[] = [];
  s.onResize((c, r) => sizes.push(`${c}x${r}`));
  s.resize(30, 6);
  s.resize(30, 6); // same size: no event
  assert.deepEqual(sizes, ['30x6']);
  assert.equal(s.cols, 30);
  assert.equal(s.rows, 6);
  assert.equal(s.lines().length, 6);
  assert.ok(changes >= 1);
  off();
});

test('pendingBytes counts bytes until xterm has parsed them; onChange fires after parsing', async (t) => {
  const s = createAppScreen(80, 24);
  t.after(() => s.dispose());
  let changed = 0;
  s.onChange(() => changed++);
  const big = 'x'.repeat(200_000);
  const done = written(s, big);
  assert.equal(s.pendingBytes(), 200_000);
  await done;
  assert.equal(s.pendingBytes(), 0);
  await new Promise((r) => setTimeout(r, 20));
  assert.ok(changed >= 1);
});
