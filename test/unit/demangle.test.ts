// C++ names in shim history come out demangled by the real c++filt (binutils, installed by npm test's pretest).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Demangler } from '../../src/probe/demangle.js';

test('mangled names inside a text are demangled, the rest of the text kept; each name looked up once', () => {
  const d = new Demangler();
  assert.equal(d.text('armed 10ms by _ZN14ProfileHandler11UpdateTimerEb'), 'armed 10ms by ProfileHandler::UpdateTimer(bool)');
  assert.equal(d.text('handler on_usr1'), 'handler on_usr1');
  assert.equal(d.text('_ZN14ProfileHandler11UpdateTimerEb, _Z3fooi'), 'ProfileHandler::UpdateTimer(bool), foo(int)');
});

test('without c++filt the names stay as they are', () => {
  assert.equal(new Demangler('/nonexistent/c++filt').text('by _Z3fooi'), 'by _Z3fooi');
});
