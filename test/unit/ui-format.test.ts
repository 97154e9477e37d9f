import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cell, elapsed, exitText, humanBytes, humanCount, sparkline } from '../../src/ui/format.js';

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
