// Every hazard rule, positive and negative. Thread facts come from the recorded fixture where they matter.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { caughtFromHistory, dumpSignalTaken, eintrExposure, evaluateHazards, explainDeath, leaderExited, profTimerDefault, profTimerDisarmedAtExec, heapProfileShared, sharedHeapProfiles } from '../../src/model/hazards.js';
import type { HazardInput } from '../../src/model/hazards.js';
import type { HistoryRecord, TimerState } from '../../src/native/types.js';
import { ProcProbe } from '../../src/probe/procProbe.js';

const FIX = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'proc');

const off = { armed: false, intervalUs: 0 };
const timers = (o: Partial<TimerState> = {}): TimerState => ({ prof: off, real: off, virtual: off, cpuTimers: [], clockTimerSignals: [], ...o });
const armed = { armed: true, intervalUs: 10000 };

function input(o: Partial<HazardInput> = {}): HazardInput {
  return { pid: 100, caught: new Set(), ignored: new Set(), env: {}, leaderExited: false, threads: [], timers: null, history: null, ...o };
}
let seq = 0;
function rec(o: Partial<HistoryRecord>): HistoryRecord {
  return { seq: ++seq, t: 0, tid: 100, kind: 'sigaction', signal: 0, old: 'SIG_DFL', new: 'SIG_DFL', flags: [], caller: 'main', ...o };
}

/** The recorded threads fixture: poller (poll), epoller (epoll_wait), selecter (select) and two pause()rs. */
function recordedThreads() {
  const probe = new ProcProbe({ rootPid: 4898, includeRoot: true, procRoot: path.join(FIX, 'threads') });
  try {
    return probe.tick().processes[0].threads;
  } finally {
    probe.close();
  }
}

test('prof-timer-default: ITIMER_PROF armed with SIGPROF at default is fatal', () => {
  const h = profTimerDefault(input({ timers: timers({ prof: armed }) }));
  assert.equal(h?.id, 'prof-timer-default');
  assert.equal(h?.severity, 'fatal');
  assert.ok(h?.fix);
});

test('prof-timer-default: not when SIGPROF is caught or ignored, or the timer is off, or unknown', () => {
  assert.equal(profTimerDefault(input({ timers: timers({ prof: armed }), caught: new Set([27]) })), null);
  assert.equal(profTimerDefault(input({ timers: timers({ prof: armed }), ignored: new Set([27]) })), null);
  assert.equal(profTimerDefault(input({ timers: timers() })), null);
  assert.equal(profTimerDefault(input()), null);
});

test('prof-timer-default: CPU-time POSIX timer to a default-action signal; not to a caught or default-ignored one', () => {
  assert.match(profTimerDefault(input({ timers: timers({ cpuTimers: [{ signal: 27 }] }) }))!.message, /SIGPROF/);
  assert.match(profTimerDefault(input({ timers: timers({ cpuTimers: [{ signal: 40 }] }) }))!.message, /SIGRTMIN\+8/);
  assert.equal(profTimerDefault(input({ timers: timers({ cpuTimers: [{ signal: 27 }] }), caught: new Set([27]) })), null);
  assert.equal(profTimerDefault(input({ timers: timers({ cpuTimers: [{ signal: 28 }] }) })), null); // SIGWINCH: default ignore
});

test('prof-timer-default: exec record carrying an armed ITIMER_PROF into the new image', () => {
  const carried = [rec({ kind: 'exec', old: 'armed 10ms', new: 'armed 10ms', detail: '/usr/bin/python3' })];
  const h = profTimerDefault(input({ history: carried }));
  assert.equal(h?.severity, 'fatal');
  assert.match(h!.message, /python3/);
  // The shim's own format (native/shim_signals.c): old/new empty, the note in detail.
  const native = [rec({ kind: 'exec', old: '', new: '', detail: '/usr/bin/python3 [ITIMER_PROF armed; caught SIGPROF resets to SIG_DFL]' })];
  assert.match(profTimerDefault(input({ history: native }))!.message, /exec of \/usr\/bin\/python3 carried/);
  assert.equal(profTimerDefault(input({ history: [rec({ kind: 'exec', old: '', new: '', detail: '/bin/sh' })] })), null);
  // The shim stopped it: nothing carried.
  assert.equal(profTimerDefault(input({ history: [rec({ kind: 'exec', old: 'armed 10ms', new: 'disarmed' })] })), null);
  // The new image already caught SIGPROF: the race was won.
  assert.equal(profTimerDefault(input({ history: carried, caught: new Set([27]) })), null);
  // Only the last exec counts.
  assert.equal(profTimerDefault(input({ history: [...carried, rec({ kind: 'exec', old: 'disarmed', new: 'disarmed' })] })), null);
});

test('prof-timer-exec-disarmed: perftop disarmed ITIMER_PROF right before the last exec (seed 000, prevented)', () => {
  const disarm = rec({ kind: 'setitimer', signal: 27, old: 'armed', new: 'disarmed', detail: 'ITIMER_PROF (perftop: disarmed before exec)' });
  const exec = rec({ kind: 'exec', old: '', new: '', detail: '/opt/app/server' });
  const h = profTimerDisarmedAtExec(input({ history: [disarm, exec] }));
  assert.equal(h?.severity, 'warn');
  assert.match(h!.message, /exec'd \/opt\/app\/server: perftop disarmed it/);
  assert.equal(profTimerDisarmedAtExec(input({ history: [exec] })), null, 'no timer was armed');
  assert.equal(profTimerDisarmedAtExec(input({ history: [disarm, exec, rec({ kind: 'exec', old: '', new: '', detail: '/bin/true' })] })), null, 'only the last exec');
  assert.equal(profTimerDisarmedAtExec(input({ history: [rec({ kind: 'setitimer', signal: 27, detail: 'ITIMER_PROF' }), exec] })), null, "the app's own setitimer");
  assert.equal(profTimerDisarmedAtExec(input({ history: null })), null);
});

test('heapprofile-shared: processes of the tree with one HEAPPROFILE prefix overwrite each other (seed 001)', () => {
  const env = (v?: string) => (v ? { HEAPPROFILE: v } : {});
  const groups = sharedHeapProfiles([
    { pid: 1, env: env('/tmp/h'), zombie: false },
    { pid: 2, env: env('/tmp/h'), zombie: false },
    { pid: 3, env: env('/tmp/other'), zombie: false },
    { pid: 4, env: env('/tmp/h'), zombie: true },
    { pid: 5, env: env(), zombie: false },
  ]);
  assert.deepEqual([...groups.entries()], [[1, [2]], [2, [1]]]);
  const h = heapProfileShared(input({ pid: 1, env: env('/tmp/h') }), groups.get(1));
  assert.equal(h?.severity, 'warn');
  assert.match(h!.message, /HEAPPROFILE=\/tmp\/h is shared with 2: .*last writer wins/);
  assert.equal(heapProfileShared(input({ pid: 3, env: env('/tmp/other') }), groups.get(3)), null);
});

test('dump-signal-taken: ignored dump signal', () => {
  const h = dumpSignalTaken(input({ env: { HEAPPROFILESIGNAL: '12' }, ignored: new Set([12]) }));
  assert.equal(h?.severity, 'warn');
  assert.match(h!.message, /SIGUSR2 is ignored/);
});

test('dump-signal-taken: caught by the app (history names the caller) vs by the profiler', () => {
  const app = [rec({ signal: 12, new: 'handler on_usr2', caller: 'install_handlers' })];
  const h = dumpSignalTaken(input({ env: { HEAPPROFILESIGNAL: '12' }, caught: new Set([12]), history: app }));
  assert.equal(h?.severity, 'warn');
  assert.match(h!.message, /install_handlers/);
  const prof = [...app, rec({ signal: 12, new: 'handler HeapProfilerDumpSignal', caller: 'HeapProfilerInit' })];
  assert.equal(dumpSignalTaken(input({ env: { HEAPPROFILESIGNAL: '12' }, caught: new Set([12]), history: prof })), null);
  // App replaced the profiler's afterwards: the last install wins.
  const replaced = [...prof, rec({ signal: 12, new: 'handler on_usr2', caller: 'main' })];
  assert.match(dumpSignalTaken(input({ env: { HEAPPROFILESIGNAL: '12' }, caught: new Set([12]), history: replaced }))!.message, /main/);
});

test('dump-signal-taken: caught without history is ambiguous and says so', () => {
  const h = dumpSignalTaken(input({ env: { CPUPROFILESIGNAL: 'SIGUSR1' }, caught: new Set([10]) }));
  assert.equal(h?.severity, 'info');
  assert.match(h!.message, /cannot tell/);
});

test('dump-signal-taken: default action would kill; nothing when unset, invalid, or default-ignore', () => {
  assert.match(dumpSignalTaken(input({ env: { HEAPPROFILESIGNAL: '12' } }))!.message, /kills the process/);
  assert.equal(dumpSignalTaken(input()), null);
  assert.equal(dumpSignalTaken(input({ env: { HEAPPROFILESIGNAL: 'bogus' } })), null);
  assert.equal(dumpSignalTaken(input({ env: { HEAPPROFILESIGNAL: '28' } })), null);
});

test('eintr-exposure: signal-driven profiler while threads sit in poll/epoll/select (recorded threads)', () => {
  const threads = recordedThreads();
  const real = eintrExposure(input({ threads, timers: timers({ real: armed }), caught: new Set([14]) }));
  assert.equal(real?.severity, 'warn');
  assert.match(real!.message, /poller\/4906/);
  assert.match(real!.fix!, /\bP\b/);
  const prof = eintrExposure(input({ threads, timers: timers({ prof: armed }), caught: new Set([27]) }));
  assert.match(prof!.message, /ITIMER_PROF/);
  // libprofiler's env with SIGPROF caught counts as armed even when the shim saw no setitimer.
  assert.ok(eintrExposure(input({ threads, env: { CPUPROFILE: '/tmp/p' }, caught: new Set([27]) })));
});

test('eintr-exposure: not without a handler, without a timer, or with no thread in poll', () => {
  const threads = recordedThreads();
  assert.equal(eintrExposure(input({ threads, timers: timers({ real: armed }) })), null); // SIGALRM default: not a profiler
  assert.equal(eintrExposure(input({ threads, caught: new Set([14, 27]), timers: timers() })), null);
  const pausing = threads.filter((t) => t.comm === 'fx' || t.comm === 'blocker');
  assert.equal(pausing.length, 2);
  assert.equal(eintrExposure(input({ threads: pausing, timers: timers({ real: armed }), caught: new Set([14]) })), null);
  // Syscall number alone (wchan unknown) is enough; "running" is not.
  const bySyscall = [{ tid: 1, comm: 'x', wchan: '', syscall: 281 as const }];
  assert.ok(eintrExposure(input({ threads: bySyscall, timers: timers({ real: armed }), caught: new Set([14]) })));
  const running = [{ tid: 1, comm: 'x', wchan: '', syscall: 'running' as const }];
  assert.equal(eintrExposure(input({ threads: running, timers: timers({ real: armed }), caught: new Set([14]) })), null);
});

test('leader-exited: info only when the leader has exited', () => {
  assert.equal(leaderExited(input({ leaderExited: true }))?.severity, 'info');
  assert.equal(leaderExited(input()), null);
});

test('evaluateHazards: all that apply, in rule order', () => {
  const hs = evaluateHazards(input({ leaderExited: true, timers: timers({ prof: armed }), env: { HEAPPROFILESIGNAL: '12' }, ignored: new Set([12]) }));
  assert.deepEqual(hs.map((h) => h.id), ['prof-timer-default', 'dump-signal-taken', 'leader-exited']);
  assert.deepEqual(evaluateHazards(input()), []);
});

test('one-shot CPU-time timers count until the process has used their CPU time, not after they fired', () => {
  const prof = { armed: true, intervalUs: 20_000, untilCpuUs: 1_500_000 };
  const at = (cpuUs: number, o: Partial<TimerState>) => profTimerDefault(input({ timers: timers(o), cpuUs }));
  assert.ok(at(1_499_999, { prof }), 'ITIMER_PROF before its deadline');
  assert.equal(at(1_500_000, { prof }), null, 'fired: the kernel disarmed it');
  assert.ok(at(1e12, { prof: { armed: true, intervalUs: 20_000 } }), 'periodic: armed whatever the CPU time');
  const posix = { cpuTimers: [{ signal: 27, untilCpuUs: 1_500_000 }] };
  assert.ok(at(1_000_000, posix));
  assert.equal(at(2_000_000, posix), null);
  assert.ok(at(2_000_000, { cpuTimers: [{ signal: 27 }] }), 'no deadline (a thread clock): still armed');
  const threads = recordedThreads();
  const eintr = (cpuUs: number) => eintrExposure(input({ threads, timers: timers({ prof }), caught: new Set([27]), cpuUs }));
  assert.ok(eintr(1_000_000));
  assert.equal(eintr(1_600_000), null);
});

test('eintr-exposure: ITIMER_VIRTUAL and CPU-time POSIX timers with a caught signal count too', () => {
  const threads = recordedThreads();
  const virt = eintrExposure(input({ threads, timers: timers({ virtual: armed }), caught: new Set([26]) }));
  assert.match(virt!.message, /ITIMER_VIRTUAL \(SIGVTALRM\)/);
  const posix = eintrExposure(input({ threads, timers: timers({ cpuTimers: [{ signal: 36 }] }), caught: new Set([36]) }));
  assert.match(posix!.message, /POSIX timer \(SIGRTMIN\+4\)/);
  assert.equal(eintrExposure(input({ threads, timers: timers({ cpuTimers: [{ signal: 36 }] }) })), null, 'not caught: no handler, no EINTR');
  const mono = eintrExposure(input({ threads, timers: timers({ clockTimerSignals: [14] }), caught: new Set([14]) }));
  assert.match(mono!.message, /POSIX timer \(SIGALRM\)/, 'a timer on CLOCK_MONOTONIC with a handler interrupts poll too');
});

test('eintr-exposure: a one-shot alarm counts until its deadline, not after it fired', () => {
  const threads = recordedThreads();
  const once = { armed: true, intervalUs: 2_000_000, untilMs: 10_000 };
  const at = (now: number) => eintrExposure(input({ threads, timers: timers({ real: once }), caught: new Set([14]), now }));
  assert.ok(at(9_999), 'before the deadline');
  assert.equal(at(10_000), null, 'fired: the kernel disarmed it');
  const periodic = { armed: true, intervalUs: 500_000 };
  assert.ok(eintrExposure(input({ threads, timers: timers({ real: periodic }), caught: new Set([14]), now: 1e15 })));
});

test('explainDeath: a death by the signal of its own timer, an abort while a timer drove a handler, nothing otherwise', () => {
  const prof = explainDeath({ signal: 'SIGPROF' }, input({ timers: timers({ prof: armed }) }));
  assert.equal(prof?.id, 'killed-by-timer');
  assert.match(prof!.message, /Profiling timer expired.*ITIMER_PROF was armed/);
  // Carried across an exec (the new image never got to set it): the exec record says so.
  const exec = rec({ kind: 'exec', signal: 0, old: '', new: '', detail: './worker [ITIMER_PROF armed]' });
  assert.equal(explainDeath({ signal: 'SIGPROF' }, input({ timers: timers(), history: [exec] }))?.id, 'killed-by-timer');
  assert.equal(explainDeath({ signal: 'SIGALRM' }, input({ timers: timers({ real: armed }) }))?.id, 'killed-by-timer');
  assert.equal(explainDeath({ signal: 'SIGPROF' }, input({ timers: timers() })), null, 'no timer: not ours to explain');
  const abort = explainDeath({ signal: 'SIGABRT' }, input({ timers: timers({ real: armed }), caught: new Set([14]) }));
  assert.equal(abort?.id, 'eintr-suspect');
  assert.equal(explainDeath({ signal: 'SIGABRT' }, input({ timers: timers({ real: armed }) })), null, 'no handler: no EINTR');
  assert.equal(explainDeath({ code: 1 }, input({ timers: timers({ prof: armed }) })), null);
  const h = [rec({ kind: 'sigaction', signal: 14, new: 'handler on_alarm' }), rec({ kind: 'signal', signal: 10, new: 'handler x' }), rec({ kind: 'signal', signal: 10, new: 'SIG_DFL' })];
  assert.deepEqual([...caughtFromHistory(h)], [14]);
});
