// d / p / P against real processes: the shim's control thread with real gperftools (libprofiler dlopen'ed late,
// tcmalloc's HeapProfilerDump) and real perf; each result verified on disk and read back with google-pprof /
// perf report.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { SnapshotEvent } from '../../src/model/snapshot.js';
import { OutDir, ProfilingControl } from '../../src/control/index.js';
import { box, buildAll, perfUsable, sleep, start, TCMALLOC, until } from './helpers.js';

before(() => buildAll());

function control(b: { session: string; shm: string; out: string }, events: SnapshotEvent[] = []) {
  return new ProfilingControl({ out: new OutDir(b.out), session: b.session, ctlDir: b.shm, emit: (e) => events.push(e) });
}

test('p starts and stops a gperftools CPU profile in a running process: google-pprof reads it, burn_cpu on top', async (t) => {
  const b = box(t);
  const app = await start(t, b, 'busy', ['15']);
  const events: SnapshotEvent[] = [];
  const ctl = control(b, events);
  await until('control file', () => (ctl.refresh(), ctl.profiling(app.pid)) && readdirSync(b.shm).some((n) => n.endsWith('.ctl')));
  assert.deepEqual(ctl.profiling(app.pid), { cpu: 'off', heap: 'off', backend: null });

  const on = await ctl.toggleCpu(app.pid, 'busy');
  assert.ok(on.ok, on.message);
  assert.equal(basename(on.file!), `busy.${app.pid}.0001.cpu.prof`);
  assert.match(on.message, /EINTR/); // the first time only
  ctl.refresh();
  assert.deepEqual(ctl.profiling(app.pid), { cpu: 'on', heap: 'off', backend: 'gperftools' });
  await sleep(1200);
  const off = await ctl.toggleCpu(app.pid, 'busy');
  assert.ok(off.ok, off.message);
  assert.equal(off.file, on.file);
  assert.ok(off.size! > 100, `profile has ${off.size} bytes`);
  assert.match(off.message, /^CPU profile [\d.]+ KB → /);
  assert.deepEqual(events.map((e) => [e.kind, e.pid, e.file]), [['dump', app.pid, on.file]]);
  const report = await ctl.report(off.file!);
  assert.match(report[0], /^Total: \d+ samples/);
  assert.match(report[1], /burn_cpu/, report.join('\n'));

  // A second profile gets the next number; the app never saw a signal from us and keeps running.
  const again = await ctl.toggleCpu(app.pid, 'busy');
  assert.ok(again.ok, again.message);
  assert.doesNotMatch(again.message, /EINTR/);
  assert.equal(basename(again.file!), `busy.${app.pid}.0002.cpu.prof`);
  assert.ok((await ctl.toggleCpu(app.pid, 'busy')).ok);
  assert.equal(app.child.exitCode, null);
  ctl.close();
});

test('p in a process whose environment has CPUPROFILE: refused, and the user\'s file is not touched', async (t) => {
  const b = box(t);
  const theirs = join(b.out, 'theirs.prof');
  const app = await start(t, b, 'busy', ['15'], { env: { CPUPROFILE: theirs } });
  const ctl = control(b);
  await until('control file', () => (ctl.refresh(), readdirSync(b.shm).some((n) => n.includes(`-${app.pid}-`) && n.endsWith('.ctl'))));
  const r = await ctl.toggleCpu(app.pid, 'busy');
  assert.equal(r.ok, false);
  assert.match(r.message, /CPUPROFILE is set in this process \(.*theirs\.prof\)/);
  assert.equal(existsSync(theirs), false);
  ctl.close();
});

test('quit with a CPU profile on (stopAll): the profile is stopped and complete before the process is ended', async (t) => {
  const b = box(t);
  const app = await start(t, b, 'busy', ['15']);
  const events: SnapshotEvent[] = [];
  const ctl = control(b, events);
  await until('control file', () => (ctl.refresh(), readdirSync(b.shm).some((n) => n.includes(`-${app.pid}-`) && n.endsWith('.ctl'))));
  const on = await ctl.toggleCpu(app.pid, 'busy');
  assert.ok(on.ok, on.message);
  await sleep(800);
  await ctl.stopAll();
  app.child.kill('SIGTERM'); // what quit does next: the app never exits normally, so only ProfilerStop wrote it
  assert.deepEqual(events.map((e) => [e.kind, e.file]), [['dump', on.file]]);
  assert.ok((events[0].size ?? 0) > 100, `profile has ${events[0].size} bytes`);
  assert.match((await ctl.report(on.file!))[0], /^Total: \d+ samples/);
  ctl.close();
});

test('quit with a heap profile on (stopAll) dumps it first; one that ends by a signal with no file is said to', async (t) => {
  const b = box(t);
  const env = { PERFTOP_PROFILE_HEAP: 'heapfork' };
  const app = await start(t, b, 'heapfork', ['8'], { preload: [TCMALLOC], env });
  const events: SnapshotEvent[] = [];
  const ctl = control(b, events);
  await until('control file', () => (ctl.refresh(), readdirSync(b.shm).some((n) => n.includes(`-${app.pid}-`) && n.endsWith('.ctl'))));
  await ctl.stopAll();
  const dumped = events.filter((e) => e.kind === 'dump' && e.pid === app.pid);
  assert.equal(dumped.length, 1, JSON.stringify(events));
  assert.match(basename(dumped[0].file!), new RegExp(`^heapfork\\.${app.pid}\\.0001\\.heap$`));

  ctl.close();

  // A process whose heap profile ran, never dumped, and died of a signal: nothing was written, and an error says so.
  const gone = await start(t, b, 'busy', ['15'], { preload: [TCMALLOC], env: { PERFTOP_PROFILE_HEAP: 'busy' } });
  const ctl2 = control(b, events);
  await until('heap on', () => (ctl2.refresh(), ctl2.profiling(gone.pid).heap === 'on'));
  gone.child.kill('SIGKILL');
  await gone.exit;
  await until('the error', () => (ctl2.refresh(), events.some((e) => e.kind === 'error' && e.pid === gone.pid)));
  assert.match(events.find((e) => e.kind === 'error' && e.pid === gone.pid)!.message ?? '', /busy \d+: none written; it ended without exit\(\)/);
  ctl2.close();
});

test('d without libtcmalloc says why and what to do; with it, HeapProfilerDump writes <comm>.<pid>.NNNN.heap', async (t) => {
  const b = box(t);
  const plain = await start(t, b, 'busy', ['15']);
  const ctl = control(b);
  await until('control file', () => (ctl.refresh(), readdirSync(b.shm).some((n) => n.includes(`-${plain.pid}-`) && n.endsWith('.ctl'))));
  const no = await ctl.heapDump(plain.pid, 'busy');
  assert.equal(no.ok, false);
  assert.match(no.message, /libtcmalloc is not loaded.*--profile-heap=busy/);

  const tc = await start(t, b, 'busy', ['15'], { preload: [TCMALLOC] });
  await until('control file', () => readdirSync(b.shm).some((n) => n.includes(`-${tc.pid}-`) && n.endsWith('.ctl')));
  const first = await ctl.heapDump(tc.pid, 'busy');
  assert.ok(first.ok, first.message);
  assert.equal(basename(first.file!), `busy.${tc.pid}.0001.heap`);
  assert.match(first.message, /^heap dump [\d.]+ KB → .*started just now/);
  const second = await ctl.heapDump(tc.pid, 'busy');
  assert.ok(second.ok, second.message);
  assert.equal(basename(second.file!), `busy.${tc.pid}.0002.heap`);
  // Nothing was allocated between start and dump (busy only burns CPU): pprof reads it and finds it empty.
  const report = await ctl.report(second.file!);
  assert.match(report[0], /^Total: |^empty profile/, report.join('\n'));
  ctl.close();
});

test('d in a fork child that named itself after the fork: the dump carries its name now, like its CPU profiles', async (t) => {
  // The child's heap profile was restarted in the fork handler, under the name it had then (the parent's).
  const b = box(t);
  const app = await start(t, b, 'heapfork', ['8', 'heapkid'], { preload: [TCMALLOC], env: { PERFTOP_PROFILE_HEAP: 'heapfork' } });
  const child = Number(/child (\d+)/.exec(app.output())![1]);
  const ctl = control(b);
  await until('control file', () => readdirSync(b.shm).some((n) => n.includes(`-${child}-`) && n.endsWith('.ctl')));
  const dump = await ctl.heapDump(child, 'heapkid');
  assert.ok(dump.ok, dump.message);
  assert.equal(basename(dump.file!), `heapkid.${child}.0001.heap`);
  assert.ok(!readdirSync(b.out).includes(`heapfork.${child}.0001.heap`), readdirSync(b.out).join(' '));
  const report = await ctl.report(dump.file!);
  assert.match(report.join('\n'), /child_alloc/);
  ctl.close();
});

test('P records with perf (no signal to the app): perf.data that perf report reads, burn_cpu on top', async (t) => {
  const why = perfUsable();
  if (why) return t.skip(`perf record cannot run here: ${why}`);
  const b = box(t);
  const app = await start(t, b, 'busy', ['15']);
  const events: SnapshotEvent[] = [];
  const ctl = new ProfilingControl({ out: new OutDir(b.out), session: null, emit: (e) => events.push(e) });
  const on = await ctl.togglePerf(app.pid, 'busy');
  assert.ok(on.ok, on.message);
  assert.deepEqual(ctl.profiling(app.pid), { cpu: 'on', heap: 'off', backend: 'perf' });
  await sleep(1000);
  const off = await ctl.togglePerf(app.pid, 'busy');
  assert.ok(off.ok, off.message);
  assert.equal(basename(off.file!), `busy.${app.pid}.perf.data`);
  assert.ok(existsSync(off.file!) && off.size! > 0);
  assert.deepEqual(events.map((e) => [e.kind, e.file, e.size]), [['dump', off.file, off.size]]);
  const report = await ctl.report(off.file!);
  assert.match(report[0], /^Samples: /, report.join('\n'));
  assert.match(report.slice(1).join('\n'), /burn_cpu/);
  assert.equal(app.child.exitCode, null);
  // p and d need the shim's session: this control has none (as when attached), and says so.
  assert.match((await ctl.toggleCpu(app.pid, 'busy')).message, /no shim|P \(perf\) works/);
  ctl.close();
});

test('the control thread does not keep a process alive: leader exits first, last worker ends, status 0', async (t) => {
  const b = box(t);
  const app = await start(t, b, 'busy', ['0.2']); // sanity: the shim loads in this box
  assert.equal((await app.exit).code, 0);
  const { spawn } = await import('node:child_process');
  const { fixture, SHIM } = await import('./helpers.js');
  const child = spawn(fixture('leader_exit'), ['0.3'], {
    env: { PATH: process.env.PATH!, LD_PRELOAD: SHIM, PERFTOP_SESSION: b.session, PERFTOP_SHM_DIR: b.shm, PERFTOP_CTL_DIR: b.shm },
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  t.after(() => clearTimeout(timer));
  const code = await new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
  assert.equal(code, 0);
  assert.match(out, /atexit ran/);
  assert.ok(readdirSync(b.shm).some((n) => n.endsWith('.ctl')), 'it had a control thread');
});

test('P without perf on PATH: one line saying how to install it, nothing started', async (t) => {
  const b = box(t);
  const ctl = new ProfilingControl({ out: new OutDir(b.out), session: null, emit: () => {} });
  const path = process.env.PATH;
  process.env.PATH = b.shm; // an empty directory: no perf
  try {
    const r = await ctl.togglePerf(process.pid, 'node');
    assert.equal(r.ok, false);
    assert.equal(r.message, 'perf is not installed: apt-get install linux-perf');
  } finally {
    process.env.PATH = path;
  }
  assert.deepEqual(ctl.profiling(process.pid), { cpu: 'off', heap: 'off', backend: null });
});
