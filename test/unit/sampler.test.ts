// Sampler event and rate logic, driven by ProbeResults recorded from fixture /proc trees (a scripted probe is the
// test input), plus one integration test with the real ProcProbe on a real child.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { ProcProbe } from '../../src/probe/procProbe.js';
import type { ProbeResult, RawProcess } from '../../src/probe/types.js';
import { Sampler, mergeGhosts } from '../../src/model/sampler.js';
import type { ExitInfo, ProcessInfo, Snapshot } from '../../src/model/snapshot.js';
import type { HistoryRecord, ReadResult, SegmentData } from '../../src/native/types.js';
import { formatSnapshotLine } from '../../src/json/format.js';

const FIX = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'proc');

function recorded(name: string, rootPid: number, includeRoot: boolean): ProbeResult {
  const p = new ProcProbe({ rootPid, includeRoot, procRoot: path.join(FIX, name) });
  try {
    return p.tick();
  } finally {
    p.close();
  }
}
const clone = <T>(x: T): T => structuredClone(x);

/** A probe that replays ProbeResults: tick i returns results[i] with t/mono advanced by 1 s per tick. */
function scripted(results: ProbeResult[]) {
  let i = 0;
  return {
    closed: false,
    tick(): ProbeResult {
      const r = clone(results[Math.min(i, results.length - 1)]);
      r.t = 1_700_000_000_000 + i * 1000;
      r.mono = 10_000 + i * 1000;
      i++;
      return r;
    },
    close() {
      this.closed = true;
    },
  };
}

function segmentsOf(script: Array<Partial<ReadResult>>) {
  let i = 0;
  const removed: string[] = [];
  return {
    removed,
    read(): ReadResult {
      const r = script[Math.min(i++, script.length - 1)];
      return { segments: r.segments ?? [], errors: r.errors ?? [] };
    },
    remove(file: string) {
      removed.push(file);
    },
  };
}

const zero = { allocs: 0, frees: 0, allocBytes: 0, freeBytes: 0, liveBytes: 0, peakBytes: 0 };
function seg(pid: number, gen: number, allocs: number, o: Partial<SegmentData> = {}): SegmentData {
  const off = { armed: false, intervalUs: 0 };
  return {
    pid, gen, file: `/dev/shm/perftop-1x000000-${pid}-${gen}`,
    total: { ...zero, allocs, allocBytes: allocs * 16, liveBytes: allocs * 8, peakBytes: allocs * 8 },
    threads: [{ tid: pid, counters: { ...zero, allocs } }],
    history: [], timers: { prof: off, real: off, virtual: off, cpuTimers: [], clockTimerSignals: [] }, closed: false, execed: false, exitStatus: null, counting: true, comm: `p${pid}`, ...o,
  };
}
function rec(seq: number, o: Partial<HistoryRecord> = {}): HistoryRecord {
  return { seq, t: 1, tid: 5194, kind: 'sigaction', signal: 10, old: 'SIG_DFL', new: 'handler on_usr1', flags: ['SA_RESTART'], caller: 'main', ...o };
}

const TREE = () => recorded('tree', 5192, false);
const kinds = (s: Snapshot, kind: string) => s.events.filter((e) => e.kind === kind);
const proc = (s: Snapshot, pid: number) => s.processes.find((p) => p.pid === pid);

test('spawn once per new pid, seq increments, root and interval carried', () => {
  const s = new Sampler({ probe: scripted([TREE()]), interval: 1, rootPid: () => 5194 });
  const a = s.tick();
  assert.equal(a.seq, 1);
  assert.equal(a.root, 5194);
  assert.equal(a.interval, 1);
  assert.deepEqual(kinds(a, 'spawn').map((e) => [e.pid, e.comm]), [[5194, 'app'], [5197, 'kid'], [5198, 'grandkid'], [5200, 'threadkid'], [5199, 'orphan']]);
  assert.deepEqual(a.processes.map((p) => [p.pid, p.depth]), [[5194, 0], [5197, 1], [5198, 2], [5200, 1], [5199, 0]]);
  const b = s.tick();
  assert.equal(b.seq, 2);
  assert.deepEqual(b.events, []);
  assert.equal(a.processes[0].exited, null);
});

test('cpu % from tick deltas over elapsed time, per process and thread', () => {
  const r1 = TREE();
  const r2 = clone(r1);
  const app = r2.processes[0];
  app.ticks += 150; // 1.5 s of CPU in 1 s: two threads
  app.threads[0].ticks += 100;
  app.threads[1].ticks += 50;
  const s = new Sampler({ probe: scripted([r1, r2]), interval: 1, rootPid: () => 5194 });
  assert.equal(s.tick().processes[0].cpu, 0);
  const b = s.tick();
  assert.equal(b.processes[0].cpu, 150);
  assert.deepEqual(b.processes[0].threads.map((t) => t.cpu), [100, 50]);
});

test('exit: exactly one per vanished process, with exitOf; listed ~5 s, the root forever', () => {
  const r1 = TREE();
  const r2 = clone(r1);
  r2.processes = r2.processes.filter((p) => p.pid !== 5198 && p.pid !== 5194);
  r2.vanished = [5194, 5198];
  const r3 = clone(r2);
  r3.vanished = [];
  const exits = new Map<number, ExitInfo>([[5198, { code: 3 }], [5194, { signal: 'SIGPROF' }]]);
  const s = new Sampler({ probe: scripted([r1, r2, r3]), interval: 1, rootPid: () => 5194, exitOf: (p) => exits.get(p), keepExitedMs: 2500 });
  s.tick();
  const b = s.tick();
  assert.deepEqual(kinds(b, 'exit').map((e) => [e.pid, e.exit]), [[5194, { signal: 'SIGPROF' }], [5198, { code: 3 }]]);
  assert.deepEqual(proc(b, 5198)?.exited, { code: 3 });
  // ghost placed under its live parent (5197), root first at depth 0
  assert.deepEqual(b.processes.map((p) => [p.pid, p.depth]), [[5194, 0], [5197, 1], [5198, 2], [5200, 1], [5199, 0]]);
  const later = [s.tick(), s.tick(), s.tick(), s.tick()];
  for (const l of later) assert.equal(kinds(l, 'exit').length, 0);
  const last = later[later.length - 1];
  assert.equal(proc(last, 5198), undefined, 'dropped after keepExitedMs');
  assert.deepEqual(proc(last, 5194)?.exited, { signal: 'SIGPROF' }, 'the root stays');
});

test('zombie: exit when it becomes a zombie, not again when reaped; exited filled', () => {
  const z = recorded('zombie', 4900, true);
  const gone = clone(z);
  gone.processes = gone.processes.filter((p) => p.pid !== 4905);
  gone.vanished = [4905];
  const s = new Sampler({ probe: scripted([z, z, gone, gone]), interval: 1, rootPid: () => 4900, exitOf: () => undefined });
  const a = s.tick();
  assert.deepEqual(kinds(a, 'exit').map((e) => e.pid), [4905]);
  assert.deepEqual(proc(a, 4905)?.exited, { code: 3 }); // init did not reap it: from the zombie's stat (field 52)
  assert.equal(proc(a, 4900)?.exited, null);
  assert.equal(kinds(s.tick(), 'exit').length, 0);
  assert.equal(kinds(s.tick(), 'exit').length, 0);
  assert.equal(kinds(s.tick(), 'exit').length, 0);
});

test('leader exited: no exit event, one leader-exited hazard event', () => {
  const before = recorded('leader-exit-before', 5088, true);
  const after = recorded('leader-exited', 4899, true);
  after.processes[0].pid = 5088; // the same process as seen 1.2 s later (recorded cold from a twin run)
  const s = new Sampler({ probe: scripted([before, after, after]), interval: 1, rootPid: () => 5088 });
  s.tick();
  const b = s.tick();
  assert.equal(kinds(b, 'exit').length, 0);
  assert.deepEqual(kinds(b, 'hazard').map((e) => e.hazard), ['leader-exited']);
  assert.equal(b.processes[0].exited, null);
  assert.equal(b.processes[0].leaderExited, true);
  assert.equal(kinds(s.tick(), 'hazard').length, 0);
});

test('perftop-init between its fork and the exec of the app is not reported (no spawn under that name)', () => {
  const r1 = TREE();
  const early = clone(r1);
  const child = early.processes.find((p) => p.pid === 5199) as RawProcess;
  child.comm = 'perftop-init';
  const s = new Sampler({ probe: scripted([early, r1]), interval: 1, rootPid: () => 5194 });
  const a = s.tick();
  assert.equal(proc(a, 5199), undefined);
  assert.ok(!kinds(a, 'spawn').some((e) => e.comm === 'perftop-init'));
  const b = s.tick();
  assert.deepEqual(kinds(b, 'spawn').map((e) => e.pid), [5199]);
});

test('exec: from the probe (execs) and from a new segment gen; the old gen is kept while the process lives', () => {
  const r1 = TREE();
  const r2 = clone(r1);
  const orphan = r2.processes.find((p) => p.pid === 5199) as RawProcess;
  orphan.execs = 1;
  orphan.comm = 'python3';
  orphan.argv = ['python3'];
  const segs = segmentsOf([
    { segments: [seg(5194, 0, 10)] },
    { segments: [seg(5194, 0, 10, { history: [rec(1, { kind: 'exec', signal: 0, old: 'disarmed', new: 'disarmed', flags: [], detail: '/bin/true' })] }), seg(5194, 1, 2)] },
    { segments: [seg(5194, 1, 4)] },
  ]);
  const s = new Sampler({ probe: scripted([r1, r2, r2]), interval: 1, rootPid: () => 5194, segments: segs });
  s.tick();
  const b = s.tick();
  assert.deepEqual(kinds(b, 'exec').map((e) => [e.pid, e.comm]), [[5194, 'app'], [5199, 'python3']]);
  // The old image's exec record is history (signals view, hazards), not a second event beside the 'exec' one.
  assert.deepEqual(kinds(b, 'disposition').map((e) => e.message), []);
  assert.deepEqual(segs.removed, [], 'the old gen stays while the process lives (gens must not be reused)');
  assert.equal(proc(b, 5194)?.alloc?.allocs, 2, 'counters are the current image\'s');
  assert.equal(proc(b, 5194)?.alloc?.allocsPerSec, 0, 'no rate across images');
  const c = s.tick();
  assert.equal(kinds(c, 'exec').length, 0);
  assert.equal(proc(c, 5194)?.alloc?.allocsPerSec, 2);
});

test('alloc: matched by pid, per thread, rates from deltas; null with a note without a segment; removed after exit', () => {
  const r1 = TREE();
  const r2 = clone(r1);
  r2.processes = r2.processes.filter((p) => p.pid !== 5199);
  r2.vanished = [5199];
  const segs = segmentsOf([{ segments: [seg(5194, 0, 100), seg(5199, 0, 7)] }, { segments: [seg(5194, 0, 350), seg(5199, 0, 9)] }]);
  const s = new Sampler({ probe: scripted([r1, r2]), interval: 1, rootPid: () => 5194, segments: segs, allocNote: (p) => `note ${p}` });
  const a = s.tick();
  assert.equal(proc(a, 5194)?.alloc?.allocs, 100);
  assert.equal(proc(a, 5194)?.threads[0].alloc?.allocs, 100);
  assert.equal(proc(a, 5194)?.threads[1].alloc, null);
  assert.equal(proc(a, 5197)?.alloc, null);
  assert.equal(proc(a, 5197)?.allocNote, 'note 5197');
  assert.equal(proc(a, 5194)?.allocNote, undefined);
  assert.deepEqual(segs.removed, []);
  const b = s.tick();
  assert.equal(proc(b, 5194)?.alloc?.allocsPerSec, 250);
  assert.equal(proc(b, 5194)?.threads[0].alloc?.allocsPerSec, 250);
  assert.deepEqual(segs.removed, ['/dev/shm/perftop-1x000000-5199-0']);
  assert.equal(proc(b, 5199)?.alloc?.allocs, 9, 'the exited process shows its final segment read (after its last tick)');
});

test('a thread whose slot was folded (TLS destructor ran) but which is still listed keeps its last counters', () => {
  const r = TREE();
  const tid = r.processes.find((p) => p.pid === 5194)!.threads[1].tid;
  const two = (a: number, b: number | null) => ({
    ...seg(5194, 0, a + (b ?? 0)),
    threads: [{ tid: 5194, counters: { ...zero, allocs: a } }, ...(b === null ? [] : [{ tid, counters: { ...zero, allocs: b } }])],
  });
  const segs = segmentsOf([{ segments: [two(10, 40)] }, { segments: [two(20, null)] }, { segments: [two(30, null)] }]);
  const s = new Sampler({ probe: scripted([r, clone(r), clone(r)]), interval: 1, rootPid: () => 5194, segments: segs });
  assert.equal(proc(s.tick(), 5194)?.threads[1].alloc?.allocs, 40);
  for (let i = 0; i < 2; i++) {
    const th = proc(s.tick(), 5194)!.threads[1];
    assert.deepEqual([th.alloc?.allocs, th.alloc?.allocsPerSec], [40, 0]);
  }
});

test('a root whose segment is read (exit status written) before init reaps it keeps its final counters', () => {
  // Tick 1: the probe does not list it, its segment has an exit status, init has not reported it yet; the segment
  // is removed. Tick 2: init reports it. The root row must still carry the counters of tick 1's final read.
  const empty = clone(TREE());
  empty.processes = [];
  let exit: { code: number } | undefined;
  const segs = segmentsOf([{ segments: [seg(7001, 0, 2000, { exitStatus: 0, comm: 'alloc_pairs' })] }, { segments: [] }]);
  const s = new Sampler({
    probe: scripted([empty, empty]), interval: 1, rootPid: () => 7001, segments: segs, rootArgv: ['./alloc_pairs'], rootPpid: 7000,
    exitOf: (pid) => (pid === 7001 ? exit : undefined),
  });
  const a = s.tick();
  assert.deepEqual(segs.removed, ['/dev/shm/perftop-1x000000-7001-0']);
  exit = { code: 0 };
  const b = s.tick();
  for (const snap of [a, b]) {
    const root = proc(snap, 7001);
    assert.equal(root?.alloc?.allocs, 2000, JSON.stringify(root));
    assert.equal(root?.comm, 'alloc_pairs');
    assert.deepEqual([root?.ppid, root?.argv, root?.threadCount], [7000, ['./alloc_pairs'], 0]);
  }
  assert.deepEqual(kinds(a, 'spawn').map((e) => e.argv), [['./alloc_pairs']]);
  assert.deepEqual(proc(b, 7001)?.exited, { code: 0 });
  assert.equal([...kinds(a, 'exit'), ...kinds(b, 'exit')].length, 1, 'one exit event');
});

test('the process peak shown never goes down (the segment\'s is published in steps; each sample\'s live is a bound)', () => {
  const r = TREE();
  const at = (live: number, peak: number) => seg(5194, 0, 1, { total: { ...zero, allocs: 1, liveBytes: live, peakBytes: peak } });
  const segs = segmentsOf([{ segments: [at(10096, 10096)] }, { segments: [at(6096, 6096)] }, { segments: [at(20000, 20000)] }]);
  const s = new Sampler({ probe: scripted([r]), interval: 1, rootPid: () => 5194, segments: segs });
  assert.deepEqual([0, 1, 2].map(() => proc(s.tick(), 5194)?.alloc?.peakBytes), [10096, 10096, 20000]);
});

test('a process perftop SIGKILLed, gone with no status from anyone: its exit says SIGKILL; others stay {}', () => {
  const r1 = TREE();
  const r2 = clone(r1);
  r2.processes = r2.processes.filter((p) => p.pid !== 5199 && p.pid !== 5197);
  r2.vanished = [5199, 5197];
  const s = new Sampler({ probe: scripted([r1, r2]), interval: 1, rootPid: () => 5194, killedBy: (pid) => (pid === 5199 ? { signal: 'SIGKILL' } : undefined) });
  s.tick();
  const exits = new Map(kinds(s.tick(), 'exit').map((e) => [e.pid, e.exit]));
  assert.deepEqual(exits.get(5199), { signal: 'SIGKILL' });
  assert.deepEqual(exits.get(5197), {});
});

test('a root that died before the first sample: its row carries the death\'s explanation, as its exit event does', () => {
  const empty = clone(TREE());
  empty.processes = [];
  const armed = { armed: true, intervalUs: 10000 };
  const dead = seg(7002, 0, 5, { exitStatus: 27, comm: 'latehandler' }); // wait status: killed by SIGPROF
  dead.timers = { ...dead.timers, prof: armed };
  const s = new Sampler({ probe: scripted([empty]), interval: 1, rootPid: () => 7002, segments: segmentsOf([{ segments: [dead] }]), rootArgv: ['./latehandler'] });
  const snap = s.tick();
  const ev = kinds(snap, 'exit')[0];
  assert.equal(ev.hazard, 'killed-by-timer');
  assert.deepEqual(proc(snap, 7002)?.hazards.map((h) => h.id), ['killed-by-timer']);
});

test('disposition events once per record by seq; error events once per file+message', () => {
  const r = TREE();
  const h1 = [rec(1), rec(2, { signal: 27, new: 'handler ProfileHandler::SignalHandler', caller: 'ProfilerInit' })];
  const err = { file: '/dev/shm/perftop-1x000000-5197-0', message: 'bad magic' };
  const segs = segmentsOf([
    { segments: [seg(5194, 0, 1, { history: h1 })], errors: [err] },
    { segments: [seg(5194, 0, 1, { history: [...h1, rec(3, { signal: 35 })] })], errors: [err] },
  ]);
  const s = new Sampler({ probe: scripted([r]), interval: 1, rootPid: () => 5194, segments: segs });
  const a = s.tick();
  assert.deepEqual(kinds(a, 'disposition').map((e) => [e.signal, e.action, e.old, e.caller, e.tid]), [
    ['SIGUSR1', 'handler on_usr1', 'SIG_DFL', 'main', 5194],
    ['SIGPROF', 'handler ProfileHandler::SignalHandler', 'SIG_DFL', 'ProfilerInit', 5194],
  ]);
  assert.deepEqual(kinds(a, 'error').map((e) => [e.pid, e.message]), [[5197, 'bad magic']]);
  const b = s.tick();
  assert.deepEqual(kinds(b, 'disposition').map((e) => e.signal), ['SIGRTMIN+3']);
  assert.equal(kinds(b, 'error').length, 0);
});

test('hazard event when a hazard first appears, again only after it went away', () => {
  const r = TREE();
  const armed = (on: boolean) => seg(5194, 0, 1, { timers: { prof: { armed: on, intervalUs: 10000 }, real: { armed: false, intervalUs: 0 }, virtual: { armed: false, intervalUs: 0 }, cpuTimers: [], clockTimerSignals: [] } });
  const segs = segmentsOf([{ segments: [armed(true)] }, { segments: [armed(true)] }, { segments: [armed(false)] }, { segments: [armed(true)] }]);
  const s = new Sampler({ probe: scripted([r]), interval: 1, rootPid: () => 5194, segments: segs });
  const a = s.tick();
  assert.deepEqual(kinds(a, 'hazard').map((e) => [e.pid, e.hazard, e.severity]), [[5194, 'prof-timer-default', 'fatal']]);
  assert.equal(proc(a, 5194)?.hazards[0].id, 'prof-timer-default');
  assert.equal(kinds(s.tick(), 'hazard').length, 0);
  assert.equal(proc(s.tick(), 5194)?.hazards.length, 0);
  assert.equal(kinds(s.tick(), 'hazard').length, 1);
});

test('signals decoded; profiling from deps; json line is the snapshot', () => {
  const r = recorded('threads', 4898, true);
  const s = new Sampler({ probe: scripted([r]), interval: 0.5, rootPid: () => 4898, profiling: () => ({ cpu: 'on', heap: 'off', backend: 'gperftools' }) });
  const snap = s.tick();
  const p = snap.processes[0];
  assert.deepEqual(p.signals.caught, ['SIGINT', 'SIGPROF']); // NPTL's own SIGSETXID (kernel 33) is not the app's choice
  assert.deepEqual(p.signals.ignored, ['SIGQUIT', 'SIGPIPE']);
  assert.deepEqual(p.threads[0].pending, ['SIGUSR2']);
  assert.deepEqual(p.threads[4].blocked, ['SIGUSR1', 'SIGRTMIN+5']);
  assert.equal(p.profiling.backend, 'gperftools');
  // CPUPROFILE in env + SIGPROF caught + threads parked in poll: the EINTR hazard
  assert.ok(p.hazards.some((h) => h.id === 'eintr-exposure'));
  const line = formatSnapshotLine(snap);
  assert.ok(line.endsWith('\n'));
  assert.equal(line.indexOf('\n'), line.length - 1);
  assert.deepEqual(JSON.parse(line), JSON.parse(JSON.stringify(snap)));
});

test('mergeGhosts keeps tree order', () => {
  const mk = (pid: number, ppid: number, depth: number) => ({ pid, ppid, depth }) as ProcessInfo;
  const live = [mk(10, 1, 0), mk(11, 10, 1), mk(12, 11, 2), mk(20, 1, 0)];
  const out = mergeGhosts(live, [mk(13, 10, 5), mk(10_000, 999, 3), mk(9, 1, 0)], 9);
  assert.deepEqual(out.map((p) => [p.pid, p.depth]), [[9, 0], [10, 0], [11, 1], [12, 2], [13, 1], [20, 0], [10_000, 0]]);
});

test('integration: real ProcProbe, a real child appears, is killed by pid, exactly one exit event', async (t) => {
  const child = spawn('sleep', ['5'], { stdio: 'ignore' });
  const exits = new Map<number, ExitInfo>();
  child.on('exit', (code, sig) => exits.set(child.pid!, sig ? { signal: sig } : { code: code ?? 0 }));
  t.after(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  const probe = new ProcProbe({ rootPid: process.pid, includeRoot: true });
  const s = new Sampler({ probe, interval: 0.1, rootPid: () => process.pid, exitOf: (p) => exits.get(p) });
  t.after(() => s.close());
  const deadline = Date.now() + 3000;
  let seen: Snapshot | undefined;
  const all: Snapshot[] = [];
  while (Date.now() < deadline) {
    const snap = s.tick();
    all.push(snap);
    if (proc(snap, child.pid!)?.comm === 'sleep') {
      seen = snap;
      break;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.ok(seen, 'the child was seen running sleep');
  process.kill(child.pid!, 'SIGKILL');
  await new Promise((r) => child.once('exit', r));
  for (let i = 0; i < 5; i++) {
    all.push(s.tick());
    await new Promise((r) => setTimeout(r, 20));
  }
  const exitEvents = all.flatMap((x) => x.events).filter((e) => e.kind === 'exit' && e.pid === child.pid);
  assert.equal(exitEvents.length, 1);
  assert.deepEqual(exitEvents[0].exit, { signal: 'SIGKILL' });
  assert.deepEqual(proc(all[all.length - 1], child.pid!)?.exited, { signal: 'SIGKILL' });
  assert.equal(all.flatMap((x) => x.events).filter((e) => e.kind === 'spawn' && e.pid === child.pid).length, 1);
});
