import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { parseElfSymbols, parseUnresolved, symbolAt } from '../../src/probe/elfSymbols.js';

const sigdemo = new URL('../fixtures/out/sigdemo', import.meta.url).pathname;

test('finds a static (non-exported) handler in a PIE binary, as nm does', () => {
  const table = parseElfSymbols(readFileSync(sigdemo));
  assert.ok(table);
  const nm = execFileSync('nm', [sigdemo], { encoding: 'utf8' });
  const line = nm.split('\n').find((l) => / on_usr1$/.test(l));
  assert.ok(line, 'nm lists on_usr1');
  const addr = parseInt(line.split(' ')[0], 16);
  assert.equal(symbolAt(table, addr), 'on_usr1');
  assert.equal(symbolAt(table, addr + 3), 'on_usr1', 'an address inside the function');
});

test('garbage and truncated files give null, never a throw', () => {
  assert.equal(parseElfSymbols(Buffer.from('not an elf file at all, just text')), null);
  const head = readFileSync(sigdemo).subarray(0, 100);
  assert.equal(parseElfSymbols(head), null);
});

test('parses the shim\'s unresolved form and leaves others alone', () => {
  assert.deepEqual(parseUnresolved('handler 0x1234 (sigdemo)'), { prefix: 'handler ', offset: 0x1234, object: 'sigdemo' });
  assert.deepEqual(parseUnresolved('0x1353 (libfoo.so.1)'), { prefix: '', offset: 0x1353, object: 'libfoo.so.1' });
  assert.equal(parseUnresolved('SIG_IGN'), null);
  assert.equal(parseUnresolved('main'), null);
});
