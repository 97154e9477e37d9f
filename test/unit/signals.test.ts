// The one signal table: mask decoding edge cases and name parsing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeCaught, decodeMask, maskNumbers, parseSignal, signalDef, signalName, SIGNALS } from '../../src/probe/signals.js';
import { parseStatus } from '../../src/probe/parse.js';

const FIX = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'proc');

test('decodeMask: all 64 bits, each name once, in number order', () => {
  const all = decodeMask('ffffffffffffffff');
  assert.equal(all.length, 64);
  assert.equal(new Set(all).size, 64);
  assert.equal(all[0], 'SIGHUP');
  assert.equal(all[30], 'SIGSYS');
  assert.equal(all[31], 'SIGRTMIN');
  assert.equal(all[32], 'SIGRTMIN+1');
  assert.equal(all[63], 'SIGRTMIN+32');
  assert.deepEqual(maskNumbers('ffffffffffffffff'), Array.from({ length: 64 }, (_, i) => i + 1));
});

test('decodeMask: single high and low bits, zero, empty and junk', () => {
  assert.deepEqual(decodeMask('8000000000000000'), ['SIGRTMIN+32']);
  assert.deepEqual(decodeMask('0000000000000001'), ['SIGHUP']);
  assert.deepEqual(decodeMask('0000000000000000'), []);
  assert.deepEqual(decodeMask(''), []);
  assert.deepEqual(decodeMask('zz'), []);
  assert.deepEqual(decodeMask(' 0000000000000100\n'), ['SIGKILL']);
});

test('decodeMask on recorded status: caught, ignored, blocked of the C fixture', () => {
  const s = parseStatus(fs.readFileSync(path.join(FIX, 'threads/4898/status'), 'utf8'));
  // signal(SIGINT, h), signal(SIGPROF, h), signal(SIGPIPE, SIG_IGN); NPTL catches 33 (SIGSETXID, kernel SIGRTMIN+1);
  // SIGQUIT was ignored by the non-interactive shell that started the background job.
  assert.deepEqual(decodeMask(s.sigCgt), ['SIGINT', 'SIGPROF', 'SIGRTMIN+1']);
  assert.deepEqual(decodeCaught(s.sigCgt), ['SIGINT', 'SIGPROF'], 'what the app chose: without glibc-internal 32/33');
  assert.deepEqual(decodeMask(s.sigIgn), ['SIGQUIT', 'SIGPIPE']);
  const blocker = parseStatus(fs.readFileSync(path.join(FIX, 'threads/4898/task/4909/status'), 'utf8'));
  // glibc's SIGRTMIN+3 is kernel 37: named from the kernel's SIGRTMIN (32)
  assert.deepEqual(decodeMask(blocker.sigBlk), ['SIGUSR1', 'SIGRTMIN+5']);
});

test('parseSignal: names, short names, numbers, RT offsets, aliases, rejects', () => {
  assert.equal(parseSignal('SIGUSR1'), 10);
  assert.equal(parseSignal('usr2'), 12);
  assert.equal(parseSignal(' 27 '), 27);
  assert.equal(parseSignal('RTMIN+3'), 35);
  assert.equal(parseSignal('SIGRTMAX-2'), 62);
  assert.equal(parseSignal('SIGRTMAX'), 64);
  assert.equal(parseSignal('SIGRTMIN'), 32);
  assert.equal(parseSignal('SIGIOT'), 6);
  assert.equal(parseSignal('SIGPOLL'), 29);
  assert.equal(parseSignal('0'), undefined);
  assert.equal(parseSignal('65'), undefined);
  assert.equal(parseSignal('SIGRTMIN+33'), undefined);
  assert.equal(parseSignal('SIGRTMAX-33'), undefined);
  assert.equal(parseSignal('SIGNOPE'), undefined);
  assert.equal(parseSignal(''), undefined);
});

test('names round-trip through parseSignal for every signal', () => {
  for (const s of SIGNALS) assert.equal(parseSignal(s.name), s.num, s.name);
  assert.equal(signalName(65), 'SIG65');
  assert.equal(signalDef(27)?.action, 'terminate');
  assert.equal(signalDef(17)?.action, 'ignore');
});
