import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeEffect, filterItems, handlerNames, menuItems, needsConfirmation } from '../../src/ui/signalMenuModel.js';
import type { ProcessInfo, SnapshotEvent } from '../../src/model/snapshot.js';

const t = (tid: number, comm: string, blocked: string[] = []) =>
  ({ tid, comm, state: 'S', cpu: 0, blocked, pending: [], wchan: '', alloc: null });

const proc: ProcessInfo = {
  pid: 4242, ppid: 1, comm: 'app', argv: ['./app'], state: 'S', leaderExited: false, exited: null, cpu: 0, rss: 0,
  threadCount: 5, signals: { caught: ['SIGINT', 'SIGUSR1', 'SIGTERM'], ignored: ['SIGPIPE', 'SIGHUP'], pending: [] },
  threads: [t(4242, 'app', ['SIGUSR2']), t(4243, 'blocker', ['SIGUSR1', 'SIGUSR2', 'SIGKILL']), t(4244, 'w', ['SIGUSR2']),
    t(4245, 'w', ['SIGUSR2']), t(4246, 'w', ['SIGUSR2'])],
  alloc: null, profiling: { cpu: 'off', heap: 'off', backend: null }, hazards: [], depth: 0,
};

const events: SnapshotEvent[] = [
  { t: 1, pid: 4242, kind: 'disposition', signal: 'SIGUSR1', action: 'handler on_usr1', old: 'SIG_DFL', caller: 'main' },
  { t: 2, pid: 4242, kind: 'disposition', signal: 'SIGINT', action: 'handler old_int', caller: 'main' },
  { t: 3, pid: 4242, kind: 'disposition', signal: 'SIGINT', action: 'handler on_int', caller: 'setup' },
  { t: 4, pid: 4242, kind: 'disposition', signal: 'SIGTERM', action: 'SIG_DFL', caller: 'main' },
  { t: 5, pid: 999, kind: 'disposition', signal: 'SIGTERM', action: 'handler other', caller: 'main' },
  // A timer record names its signal but is not a disposition: it must not become a "handler".
  { t: 6, pid: 4242, kind: 'disposition', signal: 'SIGUSR1', action: 'armed 10ms', message: 'timer_create CLOCK_PROCESS_CPUTIME_ID', caller: 'x' },
];

const byName = (name: string, tid?: number) => menuItems(proc, tid, handlerNames(events, 4242)).find((i) => i.name === name)!;

test('handler names come from the latest disposition event of this pid', () => {
  const h = handlerNames(events, 4242);
  assert.equal(h.get('SIGUSR1'), 'on_usr1');
  assert.equal(h.get('SIGINT'), 'on_int');
  assert.equal(h.has('SIGTERM'), false); // reset to SIG_DFL later; another pid's handler does not count
});

test('effects: caught by handler, ignored, default actions, blocked counts', () => {
  assert.equal(describeEffect(byName('SIGUSR1')), 'caught by on_usr1; blocked in 1/5 threads');
  assert.equal(describeEffect(byName('SIGINT')), 'caught by on_int');
  assert.equal(describeEffect(byName('SIGTERM')), 'caught');
  assert.equal(describeEffect(byName('SIGPIPE')), 'ignored');
  assert.equal(describeEffect(byName('SIGQUIT')), 'default: core dump');
  assert.equal(describeEffect(byName('SIGUSR2')), 'default: terminate; blocked in all 5 threads (stays pending)');
  assert.equal(describeEffect(byName('SIGKILL')), 'default: terminate'); // cannot be blocked
  assert.equal(describeEffect(byName('SIGCHLD')), 'default: ignore');
  assert.equal(describeEffect(byName('SIGUSR1', 4243)), 'caught by on_usr1; blocked in this thread (stays pending)');
  assert.equal(describeEffect(byName('SIGUSR1', 4244)), 'caught by on_usr1');
});

test('confirmation only for default terminate/core/stop', () => {
  assert.equal(needsConfirmation(byName('SIGUSR1')), false);
  assert.equal(needsConfirmation(byName('SIGPIPE')), false);
  assert.equal(needsConfirmation(byName('SIGCHLD')), false);
  assert.equal(needsConfirmation(byName('SIGCONT')), false);
  assert.equal(needsConfirmation(byName('SIGQUIT')), true);
  assert.equal(needsConfirmation(byName('SIGKILL')), true);
  assert.equal(needsConfirmation(byName('SIGSTOP')), true);
  assert.equal(needsConfirmation(byName('SIGUSR2')), true);
  assert.equal(needsConfirmation(byName('SIGRTMIN+3')), true);
});

test('filter by name (with or without SIG, exact first) or by number', () => {
  const items = menuItems(proc, undefined, new Map());
  assert.deepEqual(filterItems(items, 'usr').map((i) => i.name), ['SIGUSR1', 'SIGUSR2']);
  assert.deepEqual(filterItems(items, 'sigterm').map((i) => i.name), ['SIGTERM']);
  assert.deepEqual(filterItems(items, 'rtmin+3').map((i) => i.name), ['SIGRTMIN+3', 'SIGRTMIN+30', 'SIGRTMIN+31', 'SIGRTMIN+32']);
  assert.deepEqual(filterItems(items, '9').map((i) => i.num), [9]);
  assert.deepEqual(filterItems(items, '1').map((i) => i.num), [1, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19]);
  assert.deepEqual(filterItems(items, 'int').map((i) => i.name), ['SIGINT']);
  assert.equal(filterItems(items, '').length, 64);
  assert.equal(filterItems(items, 'nosuch').length, 0);
});
