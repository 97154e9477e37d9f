// The shim's signal/timer history ring and timer state, from a fixture that installs handlers and arms timers.
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { SegmentReader } from '../../src/native/index.js';
import { buildAll, runFixture, sandbox } from './helpers.js';

before(buildAll);

test('history: named handler, caller, flags, timers (ITIMER_PROF, alarm, CPU-clock POSIX timer)', async (t) => {
  const box = sandbox(t);
  const startMs = Date.now();
  const run = await runFixture(t, box, ['history']);
  const { segments, errors } = new SegmentReader({ session: box.session, dir: box.dir }).read();
  assert.deepEqual(errors, []);
  assert.equal(segments.length, 1);
  const seg = segments[0];
  const h = seg.history;
  assert.deepEqual(h.map((r) => r.seq), h.map((_, i) => i + 1), 'seq is monotonic from 1');
  const usr1 = h.find((r) => r.kind === 'sigaction' && r.signal === 10);
  assert.ok(usr1, JSON.stringify(h));
  assert.equal(usr1.new, 'handler on_usr1');
  assert.equal(usr1.old, 'SIG_DFL');
  assert.equal(usr1.caller, 'main');
  assert.deepEqual(usr1.flags, ['SA_RESTART']);
  assert.equal(usr1.tid, run.pid);
  assert.ok(usr1.t >= startMs - 1000 && usr1.t <= Date.now() + 1000, 'wall-clock ms');

  const usr2 = h.find((r) => r.kind === 'signal' && r.signal === 12);
  assert.equal(usr2?.new, 'SIG_IGN');
  const prof = h.find((r) => r.kind === 'sigaction' && r.signal === 27);
  assert.deepEqual(prof?.flags, ['SA_SIGINFO', 'SA_RESTART']);

  const itimer = h.find((r) => r.kind === 'setitimer');
  assert.deepEqual(
    itimer && { signal: itimer.signal, old: itimer.old, new: itimer.new, detail: itimer.detail },
    { signal: 27, old: 'disarmed', new: 'armed 10ms', detail: 'ITIMER_PROF' },
  );
  const alarm = h.find((r) => r.kind === 'alarm');
  assert.equal(alarm?.new, 'armed 100s');
  const created = h.find((r) => r.kind === 'timer_create');
  assert.equal(created?.detail, 'CLOCK_PROCESS_CPUTIME_ID');
  const rt = created!.signal;
  assert.ok(rt >= 34 && rt <= 64, `SIGRTMIN+2 as a number: ${rt}`);
  const settime = h.find((r) => r.kind === 'timer_settime');
  assert.equal(settime?.new, 'armed 5ms');

  // alarm(100) is a one-shot: the segment keeps when it fires (wall clock), so a reader can tell it has.
  const until = seg.timers.real.untilMs ?? 0;
  assert.ok(Math.abs(until - (Date.now() + 100_000)) < 10_000, `alarm(100) fires in ~100 s: untilMs ${until}`);
  assert.deepEqual(seg.timers, {
    prof: { armed: true, intervalUs: 10_000 },
    real: { armed: true, intervalUs: 100_000_000, untilMs: until },
    virtual: { armed: false, intervalUs: 0 },
    cpuTimers: [{ signal: rt }],
    clockTimerSignals: [],
  });
  await run.finish();
});

test('one-shot CPU-time timers carry the process CPU time they fire at; a thread-clock one does not', async (t) => {
  const box = sandbox(t);
  const run = await runFixture(t, box, ['oneshot']);
  const cpu = run.fields.cpu_us;
  assert.ok(cpu >= 20_000, `burned CPU first: ${cpu} us`);
  const { segments } = new SegmentReader({ session: box.session, dir: box.dir }).read();
  const timers = segments[0].timers;
  // Armed right after cpu_us was read: the deadline is that plus the value, give or take what the shim ran.
  const near = (got: number | undefined, want: number) => got !== undefined && got >= want && got < want + 5_000;
  assert.ok(near(timers.prof.untilCpuUs, cpu + 50e6), `ITIMER_PROF one-shot untilCpuUs ${timers.prof.untilCpuUs}, cpu ${cpu}`);
  assert.equal(timers.cpuTimers.length, 2);
  const [proc, thread] = timers.cpuTimers;
  assert.ok(near(proc.untilCpuUs, cpu + 60e6), `process-clock one-shot ${JSON.stringify(proc)}`);
  assert.equal(thread.untilCpuUs, undefined, 'a thread CPU clock is not the process figure perftop reads');
  assert.equal(proc.signal + 1, thread.signal);
  assert.deepEqual(timers.clockTimerSignals, [proc.signal + 2], 'the CLOCK_MONOTONIC timer, apart from the CPU ones');
  await run.finish();
});
