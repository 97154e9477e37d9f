import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cell, elapsed, exitText, humanBytes, humanCount, sparkline } from '../../src/ui/format.js';
import stringWidth from 'string-width';
import { fitSegs, printable, type Seg } from '../../src/ui/themeContext.js';

test('human units', () => {
  assert.equal(humanBytes(0), '0B');
  assert.equal(humanBytes(999), '999B');
  assert.equal(humanBytes(1536), '1.5K');
  assert.equal(humanBytes(10 * 1024 * 1024), '10M');
  assert.equal(humanBytes(3.5 * 1024 ** 3), '3.5G');
  assert.equal(humanCount(999), '999');
  assert.equal(humanCount(12_345), '12k');
  assert.equal(humanCount(3_400_000), '3.4M');
});

test('times, exits, cells', () => {
  assert.equal(elapsed(61_000), '01:01');
  assert.equal(elapsed(3_723_000), '1:02:03');
  assert.equal(exitText({ code: 3 }), 'exited 3');
  assert.equal(exitText({ signal: 'SIGTERM' }), 'killed by SIGTERM');
  assert.equal(cell('abcdef', 4), 'abc…');
  assert.equal(cell('ab', 4, 'right'), '  ab');
});

test('sparkline scales to its max and pads missing history', () => {
  assert.equal(sparkline([0, 1, 2, 4, 8], 5), '▁▁▂▄█');
  assert.equal(sparkline([5], 4), '   █');
  assert.equal(sparkline([0, 0], 2), '▁▁');
  assert.equal(sparkline([1, 2, 3, 4, 5, 6, 7, 8, 9], 3), '▇██'); // only the last 3, scaled from 0
});

test('fitSegs: exact terminal columns for wide characters, control characters shown as ?', () => {
  const width = (segs: Seg[]) => segs.reduce((n, s) => n + stringWidth(s.text), 0);
  const cjk = fitSegs([{ text: '漢'.repeat(30), role: 'text' }], 21);
  assert.equal(width(cjk), 21);
  assert.equal(cjk[0].text, `${'漢'.repeat(10)}…`, 'ten 2-column characters, the ellipsis, nothing straddling the edge');
  const emoji = fitSegs([{ text: 'ok ', role: 'text' }, { text: '😀'.repeat(50), role: 'dim' }], 40);
  assert.equal(width(emoji), 40);
  const evil = fitSegs([{ text: 'ev\x1b[7mil\n\x9bx', role: 'text' }], 20);
  assert.equal(evil[0].text, 'ev?[7mil??x');
  assert.equal(width(evil), 20);
  assert.equal(printable('a\tb\x7fc'), 'a?b?c');
  const combining = fitSegs([{ text: 'e\u0301'.repeat(5), role: 'text' }], 5);
  assert.equal(combining[0].text, 'e\u0301'.repeat(5), 'combining marks take no column');
});
