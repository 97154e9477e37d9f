// The --json contract on real programs: tree shape, thread names, exit statuses, leader exit, signals, errors.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { endRunning, fixture, pidAlive, runPerftop } from './helpers.js';

after(endRunning);

test('a root forking 3 children with 4 named threads each: all 4 processes, 5 threads per child, status 3', async () => {
  const run = await runPerftop(['--json', '-i', '0.5', '--', fixture('tree3x4'), '2']);
  assert.equal(run.status, 3, run.stderr);
  assert.ok(run.snapshots.length >= 2, 'periodic snapshots plus a final one');
  // A snapshot can land between a child's fork and its pthread_creates: look for one where the tree has settled.
  const alive = (s: (typeof run.snapshots)[number]) => s.processes.filter((p) => !p.exited);
  const full = run.snapshots.find((s) => alive(s).length === 4 && alive(s).slice(1).every((p) => p.threadCount === 5));
  assert.ok(full, `a snapshot with all four processes alive and 5 threads in each child; thread counts seen: ${
    run.snapshots.map((s) => alive(s).map((p) => p.threadCount).join('/')).join(' ')}`);
  const [root, ...children] = full.processes;
  assert.equal(root.pid, full.root);
  assert.equal(children.length, 3);
  for (const [i, c] of children.entries()) {
    assert.equal(c.ppid, root.pid);
    assert.equal(c.threadCount, 5);
    const names = c.threads.map((t) => t.comm).sort();
    const n = Number(/^w(\d)-/.exec(names.find((x) => x.startsWith('w')) ?? '')?.[1]);
    assert.ok(n >= 1 && n <= 3, `child ${i} has worker names: ${names}`);
    assert.deepEqual(names.filter((x) => x.startsWith('w')), [1, 2, 3, 4].map((k) => `w${n}-${k}`));
  }
  const last = run.snapshots.at(-1)!;
  assert.deepEqual(last.processes.find((p) => p.pid === last.root)?.exited, { code: 3 });
  for (const p of full.processes) assert.equal(pidAlive(p.pid), false, `${p.pid} is gone`);
});

test('main thread pthread_exit()s: alive with leaderExited and 3 workers until they end, then one exit, status 0', async () => {
  const run = await runPerftop(['--json', '-i', '0.3', '--', fixture('leader_exit'), '2']);
  assert.equal(run.status, 0, run.stderr);
  const root = run.snapshots[0].root;
  const alive = run.snapshots.filter((s) => {
    const p = s.processes.find((x) => x.pid === root);
    return p && !p.exited;
  });
  assert.ok(alive.length >= 3, `seen alive in ${alive.length} snapshots`);
  const afterLeader = alive.filter((s) => s.processes[0].leaderExited);
  assert.ok(afterLeader.length >= 2, 'leaderExited seen');
  for (const s of afterLeader) {
    const p = s.processes.find((x) => x.pid === root)!;
    const workers = p.threads.filter((t) => t.tid !== root && t.state !== 'Z');
    assert.equal(workers.length, 3, `3 live workers in seq ${s.seq}`);
    assert.ok(p.rss > 0, 'rss read at task level');
    assert.equal(p.exited, null);
  }
  const exits = run.snapshots.flatMap((s) => s.events).filter((e) => e.kind === 'exit' && e.pid === root);
  assert.equal(exits.length, 1, 'exactly one exit event');
  assert.deepEqual(exits[0].exit, { code: 0 });
});

test('an exec into a process whose leader then exits: its argv is the new image\'s, read from a live thread', async () => {
  // The leader leaves before a sample sees the new image: /proc/PID/cmdline reads empty from then on.
  const run = await runPerftop(['--json', '-i', '0.3', '--', '/bin/sh', '-c', `sleep 0.5; exec ${fixture('leader_exit')} 1.5`]);
  assert.equal(run.status, 0, run.stderr);
  const p = run.snapshots.map((s) => s.processes.find((x) => x.pid === s.root)!).find((x) => x.comm === 'leader_exit' && x.leaderExited);
  assert.ok(p, 'seen with its leader gone');
  assert.deepEqual(p.argv, [fixture('leader_exit'), '1.5']);
});

test('a leader that leaves through a raw SYS_exit: the process still ends with its last own thread', async () => {
  const run = await runPerftop(['--json', '-i', '0.3', '--', fixture('leader_exit'), '1', 'sysexit'], { timeoutMs: 15_000 });
  assert.equal(run.status, 0, run.stderr);
  const root = run.snapshots[0].root;
  assert.ok(run.snapshots.some((s) => s.processes.find((p) => p.pid === root)?.leaderExited), 'leaderExited seen');
  assert.deepEqual(run.snapshots.at(-1)!.processes.find((p) => p.pid === root)?.exited, { code: 0 });
});

test('signal dispositions, the handler by name, the blocked thread and the prof-timer hazard', async () => {
  const run = await runPerftop(['--json', '-i', '0.3', '--', fixture('sigdemo'), '1.5']);
  assert.equal(run.status, 0, run.stderr);
  const s = run.snapshots.find((x) => x.processes[0]?.threadCount === 3 && !x.processes[0].exited);
  assert.ok(s, 'a snapshot with sigdemo running');
  const p = s.processes[0];
  assert.ok(p.signals.ignored.includes('SIGPIPE'));
  assert.ok(p.signals.caught.includes('SIGUSR1'));
  const blockers = p.threads.filter((t) => t.blocked.includes('SIGUSR2'));
  assert.deepEqual(blockers.map((t) => t.comm), ['blocker']);
  assert.ok(p.hazards.some((h) => h.id === 'prof-timer-default' && h.severity === 'fatal'));
  const ev = run.snapshots.flatMap((x) => x.events).filter((e) => e.kind === 'disposition' && e.signal === 'SIGUSR1');
  assert.equal(ev.length, 1, 'one disposition event for SIGUSR1');
  assert.equal(ev[0].action, 'handler on_usr1');
  assert.equal(ev[0].caller, 'main');
});

test('bad input: one line and a non-zero status, never a stack trace', async () => {
  const usage = await runPerftop(['--interval', '0', '--json', '--', 'true']);
  assert.equal(usage.status, 2);
  assert.equal(usage.stderr.trim().split('\n').length, 1, usage.stderr);
  const missing = await runPerftop(['--json', '--', 'no-such-command-perftop']);
  assert.equal(missing.status, 127);
  assert.match(missing.stderr, /^perftop: no-such-command-perftop: command not found\n$/);
  const attach = await runPerftop(['--json', '-p', '999999999']);
  assert.notEqual(attach.status, 0);
  assert.equal(attach.stderr.trim().split('\n').length, 1, attach.stderr);
  const exported = await runPerftop(['--json', '--profile-cpu=true', '--', 'true'], { env: { CPUPROFILE: '/tmp/ptest-never.prof' } });
  assert.equal(exported.status, 2);
  assert.match(exported.stderr, /^perftop: CPUPROFILE=\/tmp\/ptest-never\.prof is set: .*unset it to use --profile-cpu\n$/);
  const theme = await runPerftop(['--json', '--theme', 'no-such-theme', '--', 'true']);
  assert.equal(theme.status, 2);
  assert.match(theme.stderr, /^perftop: theme no-such-theme: no such theme.*\n$/);
  assert.doesNotMatch(usage.stderr + missing.stderr + attach.stderr + theme.stderr, /\n\s+at /);
});

test('stdout closed by its reader (| head): the tree is ended, no stack trace, the app status', async () => {
  let root = 0;
  const run = await runPerftop(['--json', '-i', '0.2', '--', '/bin/sleep', '30'], {
    timeoutMs: 15_000,
    onLine: (s, child) => {
      root = s.root;
      child.stdout!.destroy(); // as head does once it has its lines
    },
  });
  assert.ok(root > 0, 'a first line came');
  assert.equal(run.status, 143, run.stderr); // sleep ended by SIGTERM, as on quit
  assert.equal(run.stderr, '');
  assert.equal(pidAlive(root), false, 'the app is gone');
});

test('exec bookkeeping: a shell trying PATH entries gives one exec, no disposition events for execs', async () => {
  const run = await runPerftop(['--json', '-i', '0.2', '--', '/bin/sh', '-c', 'PATH=/nonexistent-a:/nonexistent-b:/usr/bin:/bin; sleep 0.6; true']);
  assert.equal(run.status, 0, run.stderr);
  const events = run.snapshots.flatMap((s) => s.events);
  const execDispositions = events.filter((e) => e.kind === 'disposition' && /^exec /.test(e.message ?? ''));
  assert.deepEqual(execDispositions, []);
  const sleep = run.snapshots.flatMap((s) => s.processes).find((p) => p.comm === 'sleep');
  assert.ok(sleep, 'sleep seen');
  // Every event about the sleep process names the sleep process (a vfork child's records are not its parent's).
  for (const e of events.filter((x) => x.kind === 'disposition')) assert.notEqual(e.tid, sleep.pid, JSON.stringify(e));
});

test('-p exits with the attached process\'s status when it saw it (a zombie its parent had not reaped yet)', async (t) => {
  // Python's Popen reaps only in wait(): the child exits 3 at 0.8 s and stays a zombie until 3 s.
  const code = "import subprocess, time\np = subprocess.Popen(['/bin/sh', '-c', 'sleep 0.8; exit 3'])\nprint(p.pid, flush=True)\ntime.sleep(3)\np.wait()\n";
  const parent = spawn('python3', ['-c', code], { stdio: ['ignore', 'pipe', 'ignore'] });
  t.after(() => parent.kill('SIGKILL'));
  const pid = await new Promise<number>((resolve) => parent.stdout!.once('data', (d: Buffer) => resolve(Number(String(d).trim()))));
  const run = await runPerftop(['--json', '-i', '0.2', '-p', String(pid)], { timeoutMs: 15_000 });
  assert.deepEqual(run.snapshots.at(-1)!.processes.find((p) => p.pid === pid)?.exited, { code: 3 });
  assert.equal(run.status, 3, run.stderr);
});

test('-p with a thread id attaches to its process', async (t) => {
  const app = spawn(fixture('leader_exit'), ['1.5'], { stdio: 'ignore' });
  t.after(() => app.kill('SIGKILL'));
  let tid = 0;
  for (let i = 0; i < 50 && !tid; i++) {
    await new Promise((r) => setTimeout(r, 50));
    tid = readdirSync(`/proc/${app.pid}/task`).map(Number).find((x) => x !== app.pid) ?? 0;
  }
  assert.ok(tid, 'a worker thread');
  const run = await runPerftop(['--json', '-i', '0.3', '-p', String(tid)], { timeoutMs: 15_000 });
  assert.equal(run.status, 0, run.stderr);
  assert.equal(run.snapshots[0].root, app.pid);
  assert.equal(run.snapshots[0].processes[0].pid, app.pid);
});

test('exit statuses of processes their own parent reaps: from the zombie, or from the shim at exit()', async () => {
  const run = await runPerftop(['--json', '-i', '0.2', '--', fixture('reaped')]);
  assert.equal(run.status, 0, run.stderr);
  const m = /children (\d+) (\d+) (\d+) (\d+)/.exec(run.stdout + run.stderr);
  assert.ok(m, run.stderr);
  const exits = new Map(run.snapshots.flatMap((s) => s.events).filter((e) => e.kind === 'exit').map((e) => [e.pid, e.exit]));
  assert.deepEqual(exits.get(Number(m[4])), { code: 7 }, 'd: _exit(7), reaped at once: from the shim');
  assert.deepEqual(exits.get(Number(m[1])), { code: 5 }, 'a: _exit(5), seen as a zombie');
  assert.deepEqual(exits.get(Number(m[2])), { signal: 'SIGKILL' }, 'b: SIGKILL, seen as a zombie');
  assert.deepEqual(exits.get(Number(m[3])), { code: 6 }, 'c: exit(6), reaped at once: from the shim');
});

test('processes that are not counted still have their segment: exit statuses, and the signal history with --no-alloc', async () => {
  const run = await runPerftop(['--json', '-i', '0.2', '--alloc=nomatch', '--', fixture('reaped')]);
  assert.equal(run.status, 0, run.stderr);
  const m = /children (\d+) (\d+) (\d+) (\d+)/.exec(run.stdout + run.stderr)!;
  const exits = new Map(run.snapshots.flatMap((s) => s.events).filter((e) => e.kind === 'exit').map((e) => [e.pid, e.exit]));
  assert.deepEqual([3, 4].map((i) => exits.get(Number(m[i]))), [{ code: 6 }, { code: 7 }], 'reaped at once by their parent');
  assert.ok(run.snapshots.every((s) => s.processes.every((p) => p.alloc === null)), 'nothing counted');

  const sigs = await runPerftop(['--json', '-i', '0.3', '--no-alloc', '--', fixture('sigdemo'), '1']);
  assert.equal(sigs.status, 0, sigs.stderr);
  const usr1 = sigs.snapshots.flatMap((s) => s.events).find((e) => e.kind === 'disposition' && e.signal === 'SIGUSR1');
  assert.equal(usr1?.action, 'handler on_usr1');
  assert.match(sigs.snapshots.at(-1)!.processes[0].allocNote ?? '', /--no-alloc/);
});

test('a death by its own profiling timer is explained on the exit event, even with no sample in between', async () => {
  // No SIGPROF handler, ITIMER_PROF armed: dies within ~10 ms of CPU ("Profiling timer expired"), as in seed 000.
  const code = 'import signal\nsignal.setitimer(signal.ITIMER_PROF, 0.01, 0.01)\nwhile True: pass\n';
  const run = await runPerftop(['--json', '-i', '1', '--', 'python3', '-c', code]);
  assert.equal(run.status, 128 + 27, run.stderr);
  const exit = run.snapshots.flatMap((s) => s.events).find((e) => e.kind === 'exit' && e.pid === run.snapshots[0].root);
  assert.equal(exit?.hazard, 'killed-by-timer', JSON.stringify(exit));
  assert.match(exit?.message ?? '', /Profiling timer expired.*ITIMER_PROF was armed/);
  const last = run.snapshots.at(-1)!.processes.find((p) => p.pid === run.snapshots[0].root);
  assert.deepEqual(last?.hazards.map((h) => h.id), ['killed-by-timer']);
});

test('processes born and gone between two samples still get a named spawn and exit (from their segments)', async () => {
  const run = await runPerftop(['--json', '-i', '1', '--', '/bin/sh', '-c', 'for i in 1 2 3 4 5 6 7 8 9 10; do /bin/true; done']);
  assert.equal(run.status, 0, run.stderr);
  const events = run.snapshots.flatMap((s) => s.events);
  const root = run.snapshots[0].root;
  const spawned = new Set(events.filter((e) => e.kind === 'spawn' && e.pid !== root).map((e) => e.pid));
  const exited = events.filter((e) => e.kind === 'exit' && e.pid !== root);
  assert.equal(spawned.size, 10, JSON.stringify(events.slice(0, 12)));
  assert.equal(exited.length, 10);
  assert.ok(exited.every((e) => spawned.has(e.pid) && e.exit?.code === 0));
  // Named from the segment: "true"; one a sample happened to catch between its fork and its exec stays "sh".
  assert.ok(exited.every((e) => e.comm === 'true' || e.comm === 'sh'), JSON.stringify(exited));
  assert.ok(exited.filter((e) => e.comm === 'true').length >= 8, JSON.stringify(exited));
});

test('the first snapshot lists the app itself, not nothing (it waits for the exec of the app, briefly)', async () => {
  for (let i = 0; i < 4; i++) {
    const run = await runPerftop(['--json', '-i', '0.2', '--', '/bin/sleep', '0.3']);
    assert.equal(run.status, 0, run.stderr);
    const first = run.snapshots[0];
    assert.deepEqual(first.processes.map((p) => [p.pid, p.comm]), [[first.root, 'sleep']]);
  }
});

test('seed 001 with the user\'s own HEAPPROFILE: parent and fork child sharing it are warned about', async () => {
  const run = await runPerftop(['--json', '-i', '0.3', '--', 'env', 'HEAPPROFILE=/nonexistent-perftop-test/h', fixture('heapfork'), '1']);
  assert.equal(run.status, 0, run.stderr);
  const m = /parent (\d+) child (\d+)/.exec(run.stdout + run.stderr)!;
  const warned = new Set(run.snapshots.flatMap((s) => s.events).filter((e) => e.kind === 'hazard' && e.hazard === 'heapprofile-shared').map((e) => e.pid));
  assert.deepEqual([...warned].sort(), [Number(m[1]), Number(m[2])].sort());
});

test('a signal death comes back as 128+N', async () => {
  const run = await runPerftop(['--json', '--', '/bin/sh', '-c', 'kill -USR1 $$']);
  assert.equal(run.status, 138);
  const last = run.snapshots.at(-1)!;
  assert.deepEqual(last.processes.find((p) => p.pid === last.root)?.exited, { signal: 'SIGUSR1' });
});

test('allocation counters: counted processes have numbers, a static binary says why it is not counted', async () => {
  const run = await runPerftop(['--json', '-i', '0.3', '--', '/bin/sh', '-c', `${fixture('static_sleeper')} 1; true`]);
  assert.equal(run.status, 0, run.stderr);
  const s = run.snapshots.find((x) => x.processes.some((p) => p.comm === 'static_sleeper' && !p.exited));
  assert.ok(s, 'static_sleeper seen running');
  const stat = s.processes.find((p) => p.comm === 'static_sleeper')!;
  assert.equal(stat.alloc, null);
  assert.match(stat.allocNote ?? '', /static binary/);
  const sh = s.processes.find((p) => p.comm === 'sh')!;
  assert.ok(sh.alloc && sh.alloc.allocs > 0, 'the shell is counted');
});

test('--alloc=MATCH: an image it does not select gets the count-free shim; a #! script is matched by its interpreter', async (t) => {
  const shim = 'grep -o "libperftop[a-z-]*\\.so" /proc/$$/maps | head -1';
  // sh is not selected: the count-free build (its malloc not interposed); its child alloc_pairs is, and counts.
  const a = await runPerftop(['--json', '-i', '0.2', '--alloc=alloc_*', '--', '/bin/sh', '-c', `${shim}; ${fixture('alloc_pairs')} 1000 0.4`]);
  assert.equal(a.status, 0, a.stderr);
  assert.match(a.stdout + a.stderr, /^libperftop-nocount\.so$/m);
  const procs = a.snapshots.flatMap((s) => s.processes);
  const pairs = procs.filter((p) => p.comm === 'alloc_pairs' && p.alloc).at(-1);
  assert.ok(pairs && pairs.alloc!.allocs >= 2000, JSON.stringify(pairs?.alloc));
  const sh = procs.find((p) => p.comm === 'sh')!;
  assert.equal(sh.alloc, null);
  assert.match(sh.allocNote ?? '', /not selected by --alloc=alloc_\*/);

  // env (not selected) execs ./count.sh, whose #! line names /bin/sh: the kernel gives it argv[0] "/bin/sh", so
  // --alloc=sh selects it, and the exec wrapper must see that through the file, not through the name "count.sh".
  const dir = mkdtempSync('/tmp/ptest-alloc-');
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const script = join(dir, 'count.sh');
  writeFileSync(script, `#!/bin/sh\n${shim}\nsleep 0.5\nexec ${fixture('alloc_pairs')} 1000 0.4\n`);
  chmodSync(script, 0o755);
  const b = await runPerftop(['--json', '-i', '0.2', '--alloc=sh', '--', '/usr/bin/env', script]);
  assert.equal(b.status, 0, b.stderr);
  assert.match(b.stdout + b.stderr, /^libperftop\.so$/m);
  const rows = b.snapshots.flatMap((s) => s.processes.filter((p) => p.pid === s.root && !p.exited));
  const counted = rows.find((p) => p.comm === 'count.sh' && p.alloc);
  assert.ok(counted && counted.alloc!.allocs > 0, JSON.stringify(rows.map((p) => [p.comm, p.alloc?.allocs ?? p.allocNote])));
  const after = rows.filter((p) => p.comm === 'alloc_pairs');
  assert.ok(after.length > 0 && after.every((p) => p.alloc === null && /not selected/.test(p.allocNote ?? '')), JSON.stringify(after));
});

test('seed 000 through a command that sets its own LD_PRELOAD: the shim stays in, the exec survives, the screen says why', async (t) => {
  // env replaces LD_PRELOAD with libprofiler alone; the launcher's CPUPROFILE profile arms ITIMER_PROF with a
  // SIGPROF handler, and its exec would reset the handler and keep the timer ("Profiling timer expired", 155).
  const dir = mkdtempSync('/tmp/ptest-seed000-');
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const run = await runPerftop(['--json', '-i', '0.3', '--', 'env', 'LD_PRELOAD=libprofiler.so.0', `CPUPROFILE=${dir}/raw.prof`,
    fixture('launcher'), fixture('busy'), '0.5']);
  assert.equal(run.status, 0, run.stderr);
  const hazard = run.snapshots.flatMap((s) => s.events).find((e) => e.kind === 'hazard' && e.hazard === 'prof-timer-exec-disarmed');
  assert.ok(hazard, JSON.stringify(run.snapshots.flatMap((s) => s.events).filter((e) => e.kind !== 'spawn')));
  assert.match(hazard.message ?? '', /busy: perftop disarmed it/);
});

test('a counted process that execs a static binary: its old counters are not shown as the new image\'s', async () => {
  const run = await runPerftop(['--json', '-i', '0.2', '--', '/bin/sh', '-c', `sleep 0.5; exec ${fixture('static_sleeper')} 1`]);
  assert.equal(run.status, 0, run.stderr);
  const root = run.snapshots[0].root;
  const before = run.snapshots.find((s) => s.processes.find((p) => p.pid === root && p.comm === 'sh' && p.alloc));
  assert.ok(before, 'sh counted first');
  const after = run.snapshots.map((s) => s.processes.find((p) => p.pid === root)).filter((p) => p?.comm === 'static_sleeper' && !p.exited);
  assert.ok(after.length > 0, 'static_sleeper seen running');
  for (const p of after) {
    assert.equal(p!.alloc, null, JSON.stringify(p!.alloc));
    assert.match(p!.allocNote ?? '', /static binary/);
  }
});

test('two threads x N malloc/free pairs: totals within 0.1% of 2N in the last snapshot, each thread >= N', async () => {
  const N = 200_000;
  const run = await runPerftop(['--json', '-i', '0.25', '--', fixture('alloc_pairs'), String(N), '1.5']);
  assert.equal(run.status, 0, run.stderr);
  const last = run.snapshots.at(-1)!;
  const root = last.processes.find((p) => p.pid === last.root)!;
  assert.ok(root.exited, 'the last snapshot follows the exit');
  assert.ok(root.alloc, 'counted');
  for (const k of ['allocs', 'frees'] as const) {
    const v = root.alloc[k];
    assert.ok(Math.abs(v - 2 * N) <= 0.001 * 2 * N, `${k} ${v} within 0.1% of ${2 * N}`);
  }
  // While the threads lingered after their work, each one's own counters were on its thread row. Each lingers from
  // the end of its own work, so under load one may be gone before the other is done: look where both are listed.
  const done = (s: (typeof run.snapshots)[number], name: string) =>
    s.processes[0]?.threads.some((t) => t.comm === name && (t.alloc?.allocs ?? 0) >= N);
  const both = (s: (typeof run.snapshots)[number]) => ['pairs-a', 'pairs-b'].every((name) => s.processes[0]?.threads.some((t) => t.comm === name));
  const seen = run.snapshots.filter((s) => done(s, 'pairs-a') && both(s));
  assert.ok(seen.length > 0, 'a snapshot with pairs-a done');
  for (const name of ['pairs-a', 'pairs-b']) {
    const th = seen.at(-1)!.processes[0].threads.find((t) => t.comm === name);
    assert.ok(th?.alloc && th.alloc.allocs >= N && th.alloc.frees >= N, `${name}: ${JSON.stringify(th?.alloc)}`);
  }
});

test('an exec chain sampled at every step: the counters are always the running image\'s', async () => {
  // sh -> exec sh -> exec alloc_pairs, each image alive across several samples: the segments of the images before
  // must not be removed while the pid lives, or the next image reuses their gen and sorts below a stale one.
  const N = 50_000;
  const inner = `sleep 0.6; exec ${fixture('alloc_pairs')} ${N} 0.6`;
  const run = await runPerftop(['--json', '-i', '0.2', '--', '/bin/sh', '-c', `sleep 0.6; exec /bin/sh -c '${inner}'`]);
  assert.equal(run.status, 0, run.stderr);
  const root = run.snapshots[0].root;
  const seen = run.snapshots.map((s) => s.processes.find((p) => p.pid === root)).filter((p) => p && p.comm === 'alloc_pairs');
  assert.ok(seen.length > 0, 'alloc_pairs seen');
  const last = seen.at(-1)!;
  assert.ok((last.alloc?.allocs ?? 0) >= 2 * N, `alloc_pairs' own counters: ${JSON.stringify(last.alloc)}`);
});

test('a root that exits before the first sample still gets its counters in the final snapshot', async () => {
  const run = await runPerftop(['--json', '-i', '5', '--', fixture('alloc_pairs'), '1000', '0']);
  assert.equal(run.status, 0, run.stderr);
  const last = run.snapshots.at(-1)!;
  const root = last.processes.find((p) => p.pid === last.root)!;
  assert.ok(root.exited);
  assert.ok(root.alloc && root.alloc.allocs >= 2000, JSON.stringify(root.alloc));
});

test('hazards on real programs: a profiler switch signal the app took, and a signal timer next to poll()', async () => {
  const taken = await runPerftop(['--json', '-i', '0.3', '--', fixture('sigdemo'), '1'], { env: { HEAPPROFILESIGNAL: '10' } });
  assert.equal(taken.status, 0, taken.stderr);
  const h = taken.snapshots.flatMap((s) => s.processes.flatMap((p) => p.hazards)).find((x) => x.id === 'dump-signal-taken');
  assert.ok(h, 'dump-signal-taken raised');
  assert.equal(h.severity, 'warn');
  assert.match(h.message, /HEAPPROFILESIGNAL=10.*main.*SIGUSR1/);

  const eintr = await runPerftop(['--json', '-i', '0.3', '--', fixture('poll_alarm'), '1.5']);
  assert.equal(eintr.status, 0, eintr.stderr);
  const ids = new Set(eintr.snapshots.flatMap((s) => s.processes.flatMap((p) => p.hazards.map((x) => x.id))));
  assert.ok(ids.has('eintr-exposure'), `hazards seen: ${[...ids]}`);
  const ev = eintr.snapshots.flatMap((s) => s.events).filter((e) => e.kind === 'hazard' && e.hazard === 'eintr-exposure');
  assert.equal(ev.length, 1, 'one hazard event when it first appears');
});
