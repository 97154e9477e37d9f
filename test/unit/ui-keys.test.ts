import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BINDINGS, Command, HELP, matches, parseKey } from '../../src/ui/keys.js';

test('raw sequences parse to keys (xterm, SS3, linux console, modifiers)', () => {
  const cases: Array<[string, string, Partial<{ ctrl: boolean; shift: boolean; meta: boolean }>?]> = [
    ['\x1b[A', 'up'], ['\x1bOB', 'down'], ['\x1b[5~', 'pageup'], ['\x1b[6~', 'pagedown'], ['\x1b[H', 'home'],
    ['\x1b[4~', 'end'], ['\x1bOP', 'f1'], ['\x1b[11~', 'f1'], ['\x1b[[A', 'f1'], ['\x1b[20~', 'f9'], ['\x1b[21~', 'f10'],
    ['\r', 'return'], ['\t', 'tab'], ['\x1b[Z', 'backtab', { shift: true }], ['\x7f', 'backspace'], ['\x1b', 'escape'],
    ['\x1d', ']', { ctrl: true }], ['\x03', 'c', { ctrl: true }], ['\x1b[1;5C', 'right', { ctrl: true }],
    ['q', 'q'], ['P', 'P', { shift: true }], ['\x1bx', 'x', { meta: true }],
  ];
  for (const [raw, name, mods] of cases) {
    const k = parseKey(raw);
    assert.equal(k.name, name, JSON.stringify(raw));
    assert.equal(k.raw, raw);
    for (const [m, v] of Object.entries(mods ?? {})) assert.equal(k[m as 'ctrl'], v, `${JSON.stringify(raw)}.${m}`);
  }
});

test('commands match their keys and not their neighbours', () => {
  assert.ok(matches(Command.Quit, parseKey('q')));
  assert.ok(matches(Command.Quit, parseKey('\x1b[21~')));
  assert.ok(!matches(Command.Quit, parseKey('Q')));
  assert.ok(matches(Command.SignalMenu, parseKey('k')));
  assert.ok(matches(Command.SignalMenu, parseKey('\x1b[20~')));
  assert.ok(matches(Command.PerfRecord, parseKey('P')) && !matches(Command.CpuProfile, parseKey('P')));
  assert.ok(matches(Command.LeaveInput, parseKey('\x1d')) && !matches(Command.LeaveInput, parseKey(']')));
  assert.ok(matches(Command.Help, parseKey('\x1bOP')));
  assert.ok(!matches(Command.Down, parseKey('\x1bj'))); // Alt-j is not j
});

test('every DESIGN.md key is bound, and help covers every global command', () => {
  const bound = (name: string) => Object.values(BINDINGS).some((ms) => ms.some((m) => m.name === name && !m.ctrl));
  for (const k of ['up', 'down', 'j', 'pageup', 'pagedown', 'home', 'end', 'return', 'right', 'left', 'tab', '1', '2',
    '3', '4', '/', '?', 'f1', 'd', 'p', 'P', 's', 'k', 'f9', 'i', 'q', 'f10']) assert.ok(bound(k), k);
  const inHelp = new Set(HELP.flatMap((h) => h.commands));
  const modal = [Command.Cancel, Command.Accept, Command.Yes, Command.No, Command.Erase];
  for (const c of Object.values(Command)) if (!modal.includes(c)) assert.ok(inHelp.has(c), c);
});

test('splitKeys cuts a chunk holding several keys into single keys', async () => {
  const { splitKeys, parseKey } = await import('../../src/ui/keys.js');
  assert.deepEqual(splitKeys('\x1b[B\r'), ['\x1b[B', '\r']);
  assert.deepEqual(splitKeys('\x1bOBjk'), ['\x1bOB', 'j', 'k']);
  assert.deepEqual(splitKeys('\x1b[15;5~\x1b[[A\x1bx\x1b'), ['\x1b[15;5~', '\x1b[[A', '\x1bx', '\x1b']);
  assert.deepEqual(splitKeys('\x1b\x1b[A'), ['\x1b', '\x1b[A']);
  assert.deepEqual(splitKeys('a😀b'), ['a', '😀', 'b']);
  assert.deepEqual(splitKeys('\x1b[B\r').map((k) => parseKey(k).name), ['down', 'return']);
});
