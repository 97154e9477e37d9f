import { test } from 'node:test';
import assert from 'node:assert/strict';
import { blockedText, dispositionLines, inheritedDispositions, signalSummary } from '../../src/ui/signalsModel.js';
import { SnapshotStore } from '../../src/ui/store.js';
import type { ProcessInfo, Snapshot } from '../../src/model/snapshot.js';

const th = (tid: number, comm: string, blocked: string[] = [], pending: string[] = []) =>
  ({ tid, comm, state: 'S', cpu: 0, blocked, pending, wchan: '', alloc: null });
const p = (extra: Partial<ProcessInfo>): ProcessInfo => ({
  pid: 10, ppid: 1, comm: 'app', argv: ['app'], state: 'S', leaderExited: false, exited: null, cpu: 0, rss: 0,
  threadCount: 3, signals: { caught: ['SIGINT'], ignored: ['SIGPIPE'], pending: [] },
  threads: [th(10, 'app'), th(11, 'blocker', ['SIGUSR1']), th(12, 'worker')],
  alloc: null, profiling: { cpu: 'off', heap: 'off', backend: null }, hazards: [], depth: 0, ...extra,
});

test('summary: blocked per thread, pending by scope, changes since the previous snapshot', () => {
  const before = p({});
  const now = p({
    signals: { caught: ['SIGINT', 'SIGUSR1'], ignored: [], pending: ['SIGTERM'] },
    threads: [th(10, 'app', [], ['SIGALRM']), th(11, 'blocker', ['SIGUSR1']), th(12, 'worker', ['SIGUSR1'])],
  });
  const s = signalSummary(now, before);
  assert.deepEqual(s.caught, [{ name: 'SIGINT', changed: false }, { name: 'SIGUSR1', changed: true }]);
  assert.deepEqual(s.dropped, ['SIGPIPE no longer ignored']);
  assert.deepEqual(s.pending, [{ name: 'SIGTERM', where: 'process' }, { name: 'SIGALRM', where: [10] }]);
  assert.equal(s.blocked[0].changed, true);
  assert.equal(blockedText(s.blocked[0]), 'blocked in 2/3 threads: blocker, worker');
  const first = signalSummary(before);
  assert.equal(blockedText(first.blocked[0]), 'blocked in 1/3 threads: blocker');
  assert.equal(first.caught[0].changed, false); // nothing to compare with: nothing is "changed"
});

test('store keeps events across ticks, alloc series per pid, and sweeps vanished pids', () => {
  const store = new SnapshotStore(4);
  const alloc = (rate: number, live: number) => ({ allocs: 1, frees: 0, allocBytes: 1, freeBytes: 0, liveBytes: live, peakBytes: live, allocsPerSec: rate });
  for (let i = 1; i <= 6; i++) {
    const snap: Snapshot = { seq: i, t: i, root: 10, interval: 1, processes: [p({ alloc: alloc(i * 10, i * 100) })],
      events: i === 2 ? [{ t: 2, pid: 10, kind: 'disposition', signal: 'SIGUSR1', action: 'handler on_usr1', old: 'SIG_DFL', caller: 'main' },
        { t: 2, pid: 10, kind: 'dump', file: 'app.10.1.heap', size: 4096 }] : [] };
    store.push(snap);
    store.push(snap); // a duplicate delivery changes nothing
  }
  assert.deepEqual(store.allocSeries(10)?.rate, [30, 40, 50, 60]);
  assert.deepEqual(store.allocSeries(10)?.live, [300, 400, 500, 600]);
  assert.deepEqual(dispositionLines(store.events, 10, 5), ['SIGUSR1 → handler on_usr1 (was SIG_DFL) by main']);
  assert.deepEqual(store.files.map((f) => f.file), ['app.10.1.heap']);
  assert.equal(store.previous?.seq, 5);
  store.push({ seq: 7, t: 7, root: 10, interval: 1, processes: [], events: [] });
  assert.equal(store.allocSeries(10), undefined);
  store.push({ seq: 8, t: 8, root: 10, interval: 1, processes: [], events: [
    { t: 8, pid: 10, tid: 11, kind: 'disposition', action: '', old: '', caller: 'shell_execve', message: 'exec /bin/sleep' },
    { t: 8, pid: 10, kind: 'disposition', signal: 'SIGPROF', action: 'armed 10ms', old: 'disarmed', caller: 'ProfilerStart', message: 'setitimer ITIMER_PROF' }] });
  assert.deepEqual(dispositionLines(store.events, 10, 2), [
    'setitimer ITIMER_PROF → armed 10ms by ProfilerStart',
    'exec /bin/sleep by shell_execve [tid 11]',
  ]);
});

test('a fork-only child without history of its own shows the nearest ancestor\'s, an exec\'d one never does', () => {
  const ev = (pid: number, kind: 'disposition', signal: string, action: string, caller: string) =>
    ({ t: 1, pid, kind, signal, action, old: 'SIG_DFL', caller, message: 'sigaction' });
  const procs = [{ pid: 10, ppid: 1, comm: 'root' }, { pid: 11, ppid: 10, comm: 'worker' }, { pid: 12, ppid: 11, comm: 'grandchild' }];
  const events = [ev(10, 'disposition', 'SIGTERM', 'handler on_term', 'main')];
  const got = inheritedDispositions(events, procs, 12, 8);
  assert.deepEqual(got?.from, { pid: 10, comm: 'root' });
  assert.equal(got?.lines.length, 1);
  assert.match(got!.lines[0], /SIGTERM.*on_term/);
  assert.equal(inheritedDispositions(events, procs, 10, 8), null, 'the root has its own');
  const exec = { t: 2, pid: 11, kind: 'disposition' as const, action: '', old: '', caller: 'main', message: 'exec /bin/sh' };
  assert.equal(inheritedDispositions([...events, exec], procs, 11, 8), null, 'an exec record is history of its own');
  assert.equal(inheritedDispositions(events, [{ pid: 5, ppid: 5, comm: 'loop' }], 5, 8), null, 'a ppid cycle ends');
});
