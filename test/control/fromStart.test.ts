// --profile-heap / --profile-cpu through the real bin/perftop --json: profilers only in the matching exec images,
// their own files for fork-only children (seed 001), and no SIGPROF death across exec (seed 000).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parsePprofText } from '../../src/control/index.js';
import { endRunning, runPerftop } from '../e2e/helpers.js';
import { box, buildAll, fixture, ROOT } from './helpers.js';

before(() => {
  buildAll();
  execFileSync('npx', ['tsc', '-p', 'tsconfig.json'], { cwd: ROOT, stdio: 'inherit' });
});
after(() => endRunning());

function pprof(exe: string, file: string) {
  return parsePprofText(execFileSync('google-pprof', ['--text', exe, file], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }));
}

function dumps(run: { snapshots: Array<{ events: Array<{ kind: string; file?: string; pid: number }> }> }) {
  return run.snapshots.flatMap((s) => s.events).filter((e) => e.kind === 'dump');
}

test('--profile-heap on a fork-without-exec app: parent and child each get their own heap file', async (t) => {
  const b = box(t);
  const run = await runPerftop(['--json', '-i', '0.3', '--out', b.out, '--profile-heap=heapfork', '--', fixture('heapfork'), '1']);
  assert.equal(run.status, 0, run.stderr);
  const m = /parent (\d+) child (\d+)/.exec(run.stderr);
  assert.ok(m, run.stderr);
  const [parent, child] = [Number(m[1]), Number(m[2])];
  const files = readdirSync(b.out).sort();
  assert.deepEqual(files, [`heapfork.${parent}.0001.heap`, `heapfork.${child}.0001.heap`].sort());
  // The child's profile has only what the child allocated (2 MB in child_alloc), not the parent's 4 MB.
  const p = pprof(fixture('heapfork'), join(b.out, `heapfork.${parent}.0001.heap`));
  const c = pprof(fixture('heapfork'), join(b.out, `heapfork.${child}.0001.heap`));
  assert.match(p.total, /Total: 4\.0 MB/);
  assert.equal(p.top[0].what, 'parent_alloc');
  assert.match(c.total, /Total: 2\.0 MB/);
  assert.equal(c.top[0].what, 'child_alloc');
  // Both announced in the snapshots, and the processes reported as heap-profiled by gperftools while they ran.
  assert.deepEqual(dumps(run).map((e) => e.pid).sort(), [parent, child].sort());
  const seen = run.snapshots.flatMap((s) => s.processes).filter((x) => x.pid === parent && !x.exited);
  assert.ok(seen.some((x) => x.profiling.heap === 'on' && x.profiling.backend === 'gperftools'), JSON.stringify(seen.map((x) => x.profiling)));
  // The shim's control thread is perftop's: never listed as one of the app's threads.
  assert.ok(run.snapshots.flatMap((s) => s.processes).every((x) => x.threads.every((th) => th.comm !== 'perftop-ctl')));
});

test('--profile-cpu on a forking app: each child profile carries the app name, not the control thread name', async (t) => {
  const b = box(t);
  const run = await runPerftop(['--json', '-i', '0.3', '--out', b.out, '--profile-cpu=busy', '--', fixture('busy'), '1', '3']);
  assert.equal(run.status, 0, run.stderr);
  const files = readdirSync(b.out);
  assert.equal(files.length, 4, files.join(' '));
  assert.ok(files.every((f) => /^busy\.\d+\.0001\.cpu\.prof$/.test(f)), files.join(' '));
  // No process of the app was ever seen under the control thread's name either.
  assert.ok(run.snapshots.flatMap((s) => s.processes).every((x) => x.comm === 'busy'));
});

test('--profile-cpu on a launcher that execs with execveat: not killed by SIGPROF, its profile complete', async (t) => {
  const b = box(t);
  const run = await runPerftop(['--json', '-i', '0.3', '--out', b.out, '--profile-cpu=launcher', '--', fixture('launcher'), '--execveat', fixture('busy'), '0.5']);
  assert.equal(run.status, 0, run.stderr); // 155 (SIGPROF) when execveat goes around the wrappers
  const pid = Number(/ready (\d+)/.exec(run.stderr)![1]);
  assert.deepEqual(readdirSync(b.out), [`launcher.${pid}.0001.cpu.prof`]);
  assert.match(pprof(fixture('launcher'), join(b.out, `launcher.${pid}.0001.cpu.prof`)).total, /Total: [1-9]\d* samples/);
});

test('--profile-cpu on a process whose leader pthread_exit()s: the profile still names its functions', async (t) => {
  const b = box(t);
  const run = await runPerftop(['--json', '-i', '0.3', '--out', b.out, '--profile-cpu=leader_exit', '--', fixture('leader_exit'), '1', 'burn']);
  assert.equal(run.status, 0, run.stderr);
  const [file] = readdirSync(b.out);
  assert.match(file, /^leader_exit\.\d+\.0001\.cpu\.prof$/);
  // Without the memory map (empty once the leader is gone) pprof shows bare addresses only.
  assert.equal(pprof(fixture('leader_exit'), join(b.out, file)).top[0].what, 'burn_in_worker');
});

test('--profile-cpu on children that end by _exit or SIGKILL: their empty files are said to be empty', async (t) => {
  const b = box(t);
  const run = await runPerftop(['--json', '-i', '0.2', '--out', b.out, '--profile-cpu=reaped', '--', fixture('reaped')]);
  assert.equal(run.status, 0, run.stderr);
  const m = /children (\d+) (\d+) (\d+) (\d+)/.exec(run.stdout + run.stderr);
  assert.ok(m, run.stderr);
  const empty = run.snapshots.flatMap((s) => s.events).filter((e) => e.kind === 'error' && /is empty/.test(e.message ?? ''));
  assert.deepEqual(empty.map((e) => e.pid).sort(), [Number(m[1]), Number(m[2]), Number(m[4])].sort(), JSON.stringify(empty));
});

test('--no-alloc with --profile-cpu: the count-free shim (malloc not interposed), and the profile still comes', async (t) => {
  const b = box(t);
  let maps = '';
  const run = await runPerftop(['--json', '-i', '0.3', '--no-alloc', '--out', b.out, '--profile-cpu=busy', '--', fixture('busy'), '1'], {
    onLine: (s) => {
      const p = s.processes.find((x) => x.comm === 'busy' && !x.exited);
      if (p && !maps) maps = readFileSync(`/proc/${p.pid}/maps`, 'utf8');
    },
  });
  assert.equal(run.status, 0, run.stderr);
  assert.match(maps, /\/libperftop-nocount\.so/);
  assert.doesNotMatch(maps, /\/libperftop\.so/);
  const pid = Number(/ready (\d+)/.exec(run.stderr)![1]);
  assert.deepEqual(readdirSync(b.out), [`busy.${pid}.0001.cpu.prof`]);
  assert.ok(run.snapshots.flatMap((s) => s.processes).every((p) => p.alloc === null));
});

test('--profile-heap through posix_spawn: the spawned matching image gets tcmalloc, the launcher does not', async (t) => {
  const b = box(t);
  const run = await runPerftop(['--json', '-i', '0.3', '--out', b.out, '--profile-heap=heapfork', '--', fixture('launcher'), '--spawn', fixture('heapfork'), '1']);
  assert.equal(run.status, 0, run.stderr);
  const m = /parent (\d+) child (\d+)/.exec(run.stderr);
  assert.ok(m, run.stderr);
  assert.deepEqual(readdirSync(b.out).sort(), [`heapfork.${m[1]}.0001.heap`, `heapfork.${m[2]}.0001.heap`].sort());
  const launcher = run.snapshots.flatMap((s) => s.processes).filter((x) => x.comm === 'launcher' && !x.exited);
  assert.ok(launcher.length > 0 && launcher.every((x) => x.profiling.heap === 'off'), JSON.stringify(launcher.map((x) => x.profiling)));
});

test('--profile-cpu on a launcher that execs: nothing dies, only the matching image gets a profile', async (t) => {
  const b = box(t);
  const run = await runPerftop(['--json', '-i', '0.3', '--out', b.out, '--profile-cpu=busy', '--', fixture('launcher'), fixture('busy'), '1']);
  assert.equal(run.status, 0, run.stderr);
  const pid = Number(/ready (\d+)/.exec(run.stderr)![1]);
  assert.deepEqual(readdirSync(b.out), [`busy.${pid}.0001.cpu.prof`]);
  const rep = pprof(fixture('busy'), join(b.out, `busy.${pid}.0001.cpu.prof`));
  assert.equal(rep.top[0].what, 'burn_cpu');
  assert.deepEqual(dumps(run).map((e) => e.file), [join(b.out, `busy.${pid}.0001.cpu.prof`)]);
});

test('--profile-cpu on the launcher itself: its profile is complete and the exec\'d image is not killed by SIGPROF', async (t) => {
  const b = box(t);
  const run = await runPerftop(['--json', '-i', '0.3', '--out', b.out, '--profile-cpu=launcher', '--', fixture('launcher'), fixture('busy'), '0.5']);
  assert.equal(run.status, 0, run.stderr); // seed 000 would be 155 (SIGPROF)
  const pid = Number(/ready (\d+)/.exec(run.stderr)![1]);
  assert.deepEqual(readdirSync(b.out), [`launcher.${pid}.0001.cpu.prof`]);
  const rep = pprof(fixture('launcher'), join(b.out, `launcher.${pid}.0001.cpu.prof`));
  assert.match(rep.total, /Total: [1-9]\d* samples/); // written at the exec, not a 0-byte file
  // perftop stopped the profile and disarmed the timer before the exec: nothing armed went across it, so no hazard
  // may say so (the exec's record is written after the disarm).
  const hazards = run.snapshots.flatMap((s) => s.processes.flatMap((p) => p.hazards.map((h) => `${p.comm}: ${h.id}`)));
  assert.deepEqual(hazards.filter((h) => h.endsWith('prof-timer-default')), []);
});
