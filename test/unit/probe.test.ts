// ProcProbe on recorded /proc trees (copied to a temp dir so ticks can see files change), and on the live /proc.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { ProcProbe } from '../../src/probe/procProbe.js';
import { classifyLiveness, treeOrder } from '../../src/probe/tree.js';

const FIX = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'proc');

function copyFixture(t: { after(fn: () => void): void }, name: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'probe-test-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  fs.cpSync(path.join(FIX, name), dir, { recursive: true });
  return dir;
}

/** Overwrite in place (same inode), as /proc content changes under an fd the probe keeps open. */
function rewrite(file: string, text: string): void {
  fs.writeFileSync(file, text);
}

test('treeOrder: parent before children, siblings by pid, depth, root excluded or included', () => {
  const kids: Record<number, number[]> = { 1: [30, 20], 20: [21], 30: [], 21: [] };
  const of = (p: number) => kids[p] ?? [];
  assert.deepEqual(treeOrder(1, false, of).map((n) => [n.pid, n.depth]), [[20, 0], [21, 1], [30, 0]]);
  assert.deepEqual(treeOrder(1, true, of).map((n) => [n.pid, n.depth]), [[1, 0], [20, 1], [21, 2], [30, 1]]);
  // A cycle (pid reuse while reading) does not loop.
  assert.deepEqual(treeOrder(1, true, (p) => (p === 1 ? [2] : [1])).map((n) => n.pid), [1, 2]);
});

test('classifyLiveness: leader Z with a live worker is alive; all Z is a zombie', () => {
  assert.deepEqual(classifyLiveness(5, 'S', [{ tid: 5, state: 'S' }]), { leaderExited: false, zombie: false, liveTid: 5 });
  assert.deepEqual(classifyLiveness(5, 'Z', [{ tid: 5, state: 'Z' }, { tid: 6, state: 'Z' }, { tid: 7, state: 'R' }]), {
    leaderExited: true, zombie: false, liveTid: 7,
  });
  assert.deepEqual(classifyLiveness(5, 'Z', [{ tid: 5, state: 'Z' }]), { leaderExited: false, zombie: true, liveTid: null });
  assert.deepEqual(classifyLiveness(5, 'X', []), { leaderExited: false, zombie: true, liveTid: null });
});

test('tree from children files: run mode, thread parent, orphan at depth 0', (t) => {
  const root = copyFixture(t, 'tree');
  const probe = new ProcProbe({ rootPid: 5192, includeRoot: false, procRoot: root });
  t.after(() => probe.close());
  const r = probe.tick();
  assert.deepEqual(
    r.processes.map((p) => [p.pid, p.comm, p.depth, p.ppid]),
    [[5194, 'app', 0, 5192], [5197, 'kid', 1, 5194], [5198, 'grandkid', 2, 5197], [5200, 'threadkid', 1, 5194], [5199, 'orphan', 0, 5192]],
  );
  assert.equal(r.processes[0].threadCount, 2);
  assert.deepEqual(r.processes[0].threads.map((th) => th.comm), ['app', 'forker']);
  assert.deepEqual(r.vanished, []);
  assert.equal(r.clkTck, 100);
});

test('tree by PPid scan when children files are missing gives the same order', (t) => {
  const root = copyFixture(t, 'tree');
  for (const pid of fs.readdirSync(root)) for (const tid of fs.readdirSync(path.join(root, pid, 'task'))) fs.rmSync(path.join(root, pid, 'task', tid, 'children'));
  const probe = new ProcProbe({ rootPid: 5192, includeRoot: false, procRoot: root });
  t.after(() => probe.close());
  assert.deepEqual(probe.tick().processes.map((p) => [p.pid, p.depth]), [[5194, 0], [5197, 1], [5198, 2], [5200, 1], [5199, 0]]);
});

test('mark and sweep: a vanished pid is reported once, a detached one separately, fds are released', (t) => {
  const root = copyFixture(t, 'tree');
  const probe = new ProcProbe({ rootPid: 5192, includeRoot: false, procRoot: root });
  t.after(() => probe.close());
  probe.tick();
  const kept = probe.keptFds;
  assert.ok(kept > 0, 'stat/status fds are kept open');
  // grandkid reaped: gone from its parent's children and from /proc
  rewrite(path.join(root, '5197/task/5197/children'), '');
  fs.rmSync(path.join(root, '5198'), { recursive: true });
  // orphan no longer below the root but still alive (attach mode: adopted by pid 1)
  rewrite(path.join(root, '5192/task/5192/children'), '5194 ');
  const r2 = probe.tick();
  assert.deepEqual(r2.vanished, [5198]);
  assert.deepEqual(r2.detached, [5199]);
  assert.ok(probe.keptFds < kept);
  const r3 = probe.tick();
  assert.deepEqual(r3.vanished, []);
  assert.deepEqual(r3.detached, []);
  probe.close();
  assert.equal(probe.keptFds, 0);
});

test('pid reuse (new starttime) reports the old one vanished and the new one present', (t) => {
  const root = copyFixture(t, 'tree');
  const probe = new ProcProbe({ rootPid: 5192, includeRoot: false, procRoot: root });
  t.after(() => probe.close());
  probe.tick();
  const statFile = path.join(root, '5199/stat');
  const fields = fs.readFileSync(statFile, 'utf8').split(' ');
  fields[21] = String(Number(fields[21]) + 500);
  rewrite(statFile, fields.join(' '));
  const r = probe.tick();
  assert.deepEqual(r.vanished, [5199]);
  assert.equal(r.processes.find((p) => p.pid === 5199)?.starttime, Number(fields[21]));
});

test('exec: argv re-read after comm changes; execs counts it; a prctl rename alone is not an exec', (t) => {
  const root = copyFixture(t, 'tree');
  const probe = new ProcProbe({ rootPid: 5192, includeRoot: false, procRoot: root });
  t.after(() => probe.close());
  const before = probe.tick().processes.find((p) => p.pid === 5199)!;
  assert.equal(before.execs, 0);
  const statFile = path.join(root, '5199/stat');
  const stat = fs.readFileSync(statFile, 'utf8');
  rewrite(statFile, stat.replace('(orphan)', '(renamed)'));
  const renamed = probe.tick().processes.find((p) => p.pid === 5199)!;
  assert.equal(renamed.comm, 'renamed');
  assert.equal(renamed.execs, 0);
  rewrite(statFile, stat.replace('(orphan)', '(python3)'));
  rewrite(path.join(root, '5199/cmdline'), 'python3\0-c\0pass\0');
  const after = probe.tick().processes.find((p) => p.pid === 5199)!;
  assert.equal(after.execs, 1);
  assert.deepEqual(after.argv, ['python3', '-c', 'pass']);
});

test('leader pthread_exit(): alive with leaderExited, RSS from a live task, argv kept from before', (t) => {
  const root = copyFixture(t, 'leader-exit-before');
  const probe = new ProcProbe({ rootPid: 5088, includeRoot: true, procRoot: root });
  t.after(() => probe.close());
  const b = probe.tick().processes[0];
  assert.equal(b.leaderExited, false);
  assert.deepEqual(b.argv, ['./fx', 'leader-exit-late', 'arg1', 'two words']);
  assert.equal(b.env.HEAPPROFILESIGNAL, '12');
  // Swap in what the kernel showed 1.2 s later, file by file (environ is gone: ESRCH).
  const after = path.join(FIX, 'leader-exit-after');
  for (const rel of fs.readdirSync(after, { recursive: true }) as string[]) {
    const src = path.join(after, rel);
    if (fs.statSync(src).isFile()) rewrite(path.join(root, rel), fs.readFileSync(src, 'utf8'));
  }
  fs.rmSync(path.join(root, '5088/environ'));
  const r = probe.tick();
  const a = r.processes[0];
  assert.deepEqual(r.vanished, []);
  assert.equal(a.leaderExited, true);
  assert.equal(a.zombie, false);
  assert.equal(a.state, 'S');
  assert.equal(a.rssBytes, 1404 * 1024);
  assert.equal(a.threadCount, 4);
  assert.deepEqual(a.argv, ['./fx', 'leader-exit-late', 'arg1', 'two words']);
  assert.equal(a.env.HEAPPROFILESIGNAL, '12');
  assert.deepEqual(a.threads.map((th) => th.state), ['Z', 'S', 'S', 'S']);
});

test('leader-exited recorded cold (first seen after the leader exited)', (t) => {
  const probe = new ProcProbe({ rootPid: 4899, includeRoot: true, procRoot: path.join(FIX, 'leader-exited') });
  t.after(() => probe.close());
  const p = probe.tick().processes[0];
  assert.equal(p.leaderExited, true);
  assert.equal(p.zombie, false);
  assert.equal(p.rssBytes, 1396 * 1024);
});

test('zombie child: exited-but-unreaped, rss 0; parent normal', (t) => {
  const probe = new ProcProbe({ rootPid: 4900, includeRoot: true, procRoot: path.join(FIX, 'zombie') });
  t.after(() => probe.close());
  const r = probe.tick();
  assert.deepEqual(r.processes.map((p) => [p.pid, p.depth, p.zombie, p.leaderExited]), [[4900, 0, false, false], [4905, 1, true, false]]);
  assert.equal(r.processes[1].comm, 'zkid');
  assert.equal(r.processes[1].rssBytes, 0);
});

test('threads: wchan and syscall of parked threads, masks', (t) => {
  const probe = new ProcProbe({ rootPid: 4898, includeRoot: true, procRoot: path.join(FIX, 'threads') });
  t.after(() => probe.close());
  const p = probe.tick().processes[0];
  // wchan says where each one sleeps, so the (costlier) syscall file is not read.
  assert.deepEqual(p.threads.map((th) => [th.comm, th.wchan, th.syscall]), [
    ['fx', '__do_sys_pause', null], ['poller', 'poll_schedule_timeout.constprop.0', null], ['epoller', 'do_epoll_wait', null],
    ['selecter', 'poll_schedule_timeout.constprop.0', null], ['blocker', '__do_sys_pause', null]]);
  assert.equal(p.sigCgt, '0000000104000002');
  assert.equal(p.threads[4].sigBlk, '0000001000000200');
});

test('threads: without a wchan (e.g. a kernel that hides it), the syscall number says where a thread waits', (t) => {
  const dir = copyFixture(t, 'threads');
  for (const tid of fs.readdirSync(path.join(dir, '4898/task'))) rewrite(path.join(dir, '4898/task', tid, 'wchan'), '0');
  const probe = new ProcProbe({ rootPid: 4898, includeRoot: true, procRoot: dir });
  t.after(() => probe.close());
  const p = probe.tick().processes[0];
  assert.deepEqual(p.threads.map((th) => [th.comm, th.syscall]), [['fx', 34], ['poller', 7], ['epoller', 232], ['selecter', 270], ['blocker', 34]]);
});

test('live /proc: a real child appears, has ticks and rss, and vanishes once after kill', async (t) => {
  const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
  t.after(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  await new Promise((r) => setTimeout(r, 300));
  const probe = new ProcProbe({ rootPid: process.pid, includeRoot: true });
  t.after(() => probe.close());
  const r1 = probe.tick();
  assert.equal(r1.processes[0].pid, process.pid);
  const c = r1.processes.find((p) => p.pid === child.pid);
  assert.ok(c, 'child is in the tree');
  assert.equal(c.depth, 1);
  assert.equal(c.comm, 'node');
  assert.ok(c.rssBytes > 1_000_000);
  assert.ok(c.threadCount > 1);
  assert.ok(r1.processes[0].ticks > 0);
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGKILL');
  await exited; // node reaped it
  const r2 = probe.tick();
  assert.ok(!r2.processes.some((p) => p.pid === child.pid));
  assert.deepEqual(r2.vanished, [child.pid]);
  assert.deepEqual(probe.tick().vanished, []);
});
