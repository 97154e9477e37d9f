import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildRows, scrollTop, sortRows, treePrefixes } from '../../src/ui/treeRows.js';
import type { ProcessInfo, Snapshot } from '../../src/model/snapshot.js';

const p = (pid: number, depth: number, comm = `p${pid}`, extra: Partial<ProcessInfo> = {}): ProcessInfo => ({
  pid, ppid: 0, comm, argv: [comm], state: 'S', leaderExited: false, exited: null, cpu: 0, rss: 0, threadCount: 2,
  signals: { caught: [], ignored: [], pending: [] },
  threads: [{ tid: pid, comm, state: 'S', cpu: 0, blocked: [], pending: [], wchan: '', alloc: null },
    { tid: pid + 1000, comm: 'worker', state: 'R', cpu: 1, blocked: [], pending: [], wchan: '', alloc: null }],
  alloc: null, profiling: { cpu: 'off', heap: 'off', backend: null }, hazards: [], depth, ...extra,
});

// 1
// ├─2
// │ ├─3
// │ │ └─4
// │ └─5
// └─6
//   └─7
// 8   (an orphan adopted at depth 0)
const tree = [p(1, 0), p(2, 1), p(3, 2), p(4, 3), p(5, 2), p(6, 1), p(7, 2), p(8, 0)];
const snap: Snapshot = { seq: 1, t: 0, root: 1, interval: 1, processes: tree, events: [] };

test('tree prefixes draw siblings and continuation bars', () => {
  assert.deepEqual(treePrefixes(tree), ['', '├─', '│ ├─', '│ │ └─', '│ └─', '└─', '  └─', '']);
});

test('expanded processes list their threads under them', () => {
  const rows = buildRows(snap, new Set([2, 7]), '');
  assert.deepEqual(rows.map((r) => (r.kind === 'proc' ? `${r.prefix}${r.proc.pid}` : `${r.prefix}t${r.thread.tid}`)), [
    '1', '├─2', '│ ├╴t2', '│ └╴t1002', '│ ├─3', '│ │ └─4', '│ └─5', '└─6', '  └─7', '    ├╴t7', '    └╴t1007', '8',
  ]);
});

test('filter keeps matches and their ancestors', () => {
  const rows = buildRows(snap, new Set(), 'p4');
  assert.deepEqual(rows.map((r) => [r.proc.pid, r.match]), [[1, false], [2, false], [3, false], [4, true]]);
  assert.deepEqual(buildRows(snap, new Set(), '7').map((r) => r.proc.pid), [1, 6, 7]);
  assert.equal(buildRows(snap, new Set(), 'zzz').length, 0);
});

test('sorting keeps threads with their process, and orders them by the same key', () => {
  const live = new Map([[1, 5], [2, 50], [7, 20]]);
  const byTid = new Map([[2, 1], [1002, 9]]);
  const key = (x: { pid?: number; tid?: number }) => ('tid' in x && x.tid !== undefined ? byTid.get(x.tid) ?? -1 : live.get(x.pid!) ?? -1);
  const rows = sortRows(buildRows(snap, new Set([2]), ''), key);
  assert.deepEqual(rows.slice(0, 5).map((r) => r.key), ['p2', 't2.1002', 't2.2', 'p7', 'p1']);
  assert.deepEqual(rows.slice(1, 3).map((r) => r.prefix), ['├╴', '└╴']);
});

test('scrollTop moves the window just enough to keep the selection visible', () => {
  assert.equal(scrollTop(0, 0, 10, 50), 0);
  assert.equal(scrollTop(9, 0, 10, 50), 0);
  assert.equal(scrollTop(10, 0, 10, 50), 1);
  assert.equal(scrollTop(49, 0, 10, 50), 40);
  assert.equal(scrollTop(45, 40, 10, 50), 40);
  assert.equal(scrollTop(39, 40, 10, 50), 39);
  assert.equal(scrollTop(3, 40, 10, 5), 0);
  assert.equal(scrollTop(20, 45, 10, 30), 20); // list shrank under the window
});
