// Pure parts of src/control, on recorded tool output and made-up names.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync, existsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  defaultOutName, globMatch, matchesImage, newestHeapDump, OutDir, parseControlName, parsePerfReport, parsePprofText,
  parseProfileName, profilingEnv, reportLines, rootCounted, safeComm, imageArgv0,
} from '../../src/control/index.js';
import { withoutControlThreads } from '../../src/control/hideControl.js';
import type { ProbeResult } from '../../src/probe/types.js';

test('MATCH globs as fnmatch: *, ?, classes, negation, escapes; against comm (15 bytes) or basename(argv0)', () => {
  assert.ok(globMatch('busy', 'busy'));
  assert.ok(!globMatch('busy', 'busybox'));
  assert.ok(globMatch('bu*', 'busybox'));
  assert.ok(globMatch('b?sy', 'busy'));
  assert.ok(globMatch('[ab]pp', 'app'));
  assert.ok(!globMatch('[!a]pp', 'app'));
  assert.ok(globMatch('a\\*', 'a*'));
  assert.ok(!globMatch('a\\*', 'ab'));
  assert.ok(globMatch('x.y', 'x.y') && !globMatch('x.y', 'xzy'));
  assert.ok(matchesImage('python3', '/usr/bin/python3', 'python3'));
  assert.ok(matchesImage('a-very-long-nam', '/opt/a-very-long-name-indeed', 'x')); // comm is cut to 15
  assert.ok(matchesImage('tool', '/usr/bin/env', '/opt/tool')); // argv[0]'s basename
  assert.ok(!matchesImage('tool', '/usr/bin/env', 'env'));
});

test('profile file names: parse, safe comm, the newest heap dump, control files, default --out', () => {
  assert.deepEqual(parseProfileName('app.4242.0001.heap'), { comm: 'app', pid: 4242, n: 1, kind: 'heap' });
  assert.deepEqual(parseProfileName('my.app.7.0012.cpu.prof'), { comm: 'my.app', pid: 7, n: 12, kind: 'cpu' });
  assert.deepEqual(parseProfileName('app.4242.perf.data'), { comm: 'app', pid: 4242, n: null, kind: 'perf' });
  assert.equal(parseProfileName('app.4242.perf.data.old'), null);
  assert.equal(parseProfileName('app.4242.1.heap'), null); // gperftools' numbering has 4 digits
  assert.equal(safeComm('kworker/0:1 x'), 'kworker_0_1_x');
  assert.equal(safeComm(''), 'proc');
  assert.equal(newestHeapDump(['a.1.0001.heap', 'a.1.0010.heap', 'a.1.0002.heap', 'a.12.0099.heap', 'a.1.0003.heap.tmp'], 'a.1'), 'a.1.0010.heap');
  assert.equal(newestHeapDump(['b.1.0001.heap'], 'a.1'), null);
  assert.deepEqual(parseControlName('perftop-42x0abc12-4243-1.ctl'), { session: '42x0abc12', pid: 4243, gen: 1 });
  assert.equal(parseControlName('perftop-42x0abc12-4243-1'), null); // a segment, not a control file
  assert.equal(defaultOutName(new Date(2025, 0, 2, 3, 4, 5)), 'perftop-20250102-030405');
});

test('--out is created 0700 on first use only', (t) => {
  const base = mkdtempSync(join(tmpdir(), 'ptctl-pure-'));
  t.after(() => rmSync(base, { recursive: true, force: true }));
  const out = new OutDir('deep/out', new Date(), base);
  assert.equal(out.path, join(base, 'deep/out'));
  assert.equal(existsSync(out.path), false);
  const old = process.umask(0o022);
  try {
    assert.equal(out.ensure(), out.path);
  } finally {
    process.umask(old);
  }
  assert.equal(statSync(out.path).mode & 0o777, 0o700);
  const dflt = new OutDir(null, new Date(2025, 5, 6, 7, 8, 9), base);
  assert.equal(dflt.path, join(base, 'perftop-20250606-070809'));
  assert.equal(existsSync(dflt.path), false);
  // Where no directory can be made, one line at once (Node 20's recursive mkdir never returns under /proc).
  assert.throws(() => new OutDir('/proc/perftop-out/x').ensure(), /^Error: cannot create \/proc\/perftop-out\/x: ENOENT/);
  writeFileSync(join(base, 'file'), '');
  assert.throws(() => new OutDir(join(base, 'file')).ensure(), /is not a directory/);
  // A request that wrote nothing takes back the directory it made; not one with files, a user's, or a kept one.
  const tried = new OutDir('tried', new Date(), base);
  tried.ensure();
  tried.releaseIfEmpty();
  assert.equal(existsSync(tried.path), false);
  tried.ensure();
  writeFileSync(join(tried.path, 'a.heap'), 'x');
  tried.releaseIfEmpty();
  assert.equal(existsSync(join(tried.path, 'a.heap')), true);
  const users = new OutDir('deep', new Date(), base);
  users.ensure();
  users.releaseIfEmpty();
  assert.equal(existsSync(users.path), true, 'it existed before');
  const kept = new OutDir('kept', new Date(), base);
  kept.ensure(true);
  kept.releaseIfEmpty();
  assert.equal(existsSync(kept.path), true, '--profile-* writes there on its own');
});

const PPROF = `Using local file ./busy.
Using local file busy.31023.0001.cpu.prof.
Total: 97 samples
      90  92.8%  92.8%       97 100.0% burn_cpu
       7   7.2% 100.0%        7   7.2% now
       0   0.0% 100.0%       97 100.0% main
`;

const PPROF_HEAP = `Total: 4.0 MB
     4.0  99.9%  99.9%      4.0  99.9% parent_alloc
     0.0   0.1% 100.0%      0.0   0.1% __GI__IO_file_doallocate
`;

const PERF = `# To display the perf.data header info, please use --header/--header-only options.
#
# Total Lost Samples: 0
#
# Samples: 13  of event 'cpu-clock:ppp'
# Event count (approx.): 3250000
#
# Overhead  Command  Shared Object         Symbol
# ........  .......  ....................  .............................
#
    84.62%  busy     busy                  [.] burn_cpu
    15.38%  busy     [kernel.kallsyms]     [k] __mem_cgroup_charge


#
# (Cannot load tips.txt file, please install perf!)
#
`;

test('google-pprof --text and perf report --stdio: totals and top entries', () => {
  const p = parsePprofText(PPROF);
  assert.equal(p.total, 'Total: 97 samples');
  assert.deepEqual(p.top.map((l) => [l.pct, l.what]), [[92.8, 'burn_cpu'], [7.2, 'now'], [0, 'main']]);
  assert.deepEqual(reportLines(p).slice(0, 2), ['Total: 97 samples', ' 92.8%  burn_cpu']);
  const h = parsePprofText(PPROF_HEAP);
  assert.equal(h.total, 'Total: 4.0 MB');
  assert.equal(h.top[0].what, 'parent_alloc');
  const r = parsePerfReport(PERF);
  assert.equal(r.total, "Samples: 13  of event 'cpu-clock:ppp'");
  assert.deepEqual(r.top.map((l) => [l.pct, l.what]), [[84.62, 'busy busy [.] burn_cpu'], [15.38, 'busy [kernel.kallsyms] [k] __mem_cgroup_charge']]);
  assert.deepEqual(parsePprofText('').top, []);
});

test('profiling env: variables for the shim; libtcmalloc after the shim only when the root matches --profile-heap', () => {
  const base = { PATH: '/bin', LD_PRELOAD: '/x/libperftop.so:/u/libuser.so', PERFTOP_PROFILE_CPU: 'stale' };
  const tc = '/usr/lib/libtcmalloc.so.4';
  const common = { out: '/o', ctlDir: '/tmp/perftop-s', tcmalloc: tc, rootPath: '/bin/app', rootArgv0: 'app' };
  const a = profilingEnv(base, { ...common, cpuMatch: null, heapMatch: 'app' });
  assert.equal(a.LD_PRELOAD, `/x/libperftop.so:${tc}:/u/libuser.so`);
  assert.equal(a.PERFTOP_PROFILE_HEAP, 'app');
  assert.equal(a.PERFTOP_TCMALLOC, tc);
  assert.equal(a.PERFTOP_OUT, '/o');
  assert.equal(a.PERFTOP_CTL_DIR, '/tmp/perftop-s');
  assert.equal(a.PERFTOP_PROFILE_CPU, undefined); // an outer run's scope is not passed on
  assert.equal(a.CPUPROFILE, undefined);
  const b = profilingEnv(base, { ...common, cpuMatch: 'worker', heapMatch: 'worker' });
  assert.equal(b.LD_PRELOAD, base.LD_PRELOAD); // the root does not match: no tcmalloc for it
  assert.equal(b.PERFTOP_PROFILE_CPU, 'worker');
  assert.equal(b.PERFTOP_TCMALLOC, tc); // the shim's exec wrappers add it for matching descendants
  const c = profilingEnv({ ...base, LD_PRELOAD: `/x/libperftop.so:${tc}` }, { ...common, cpuMatch: null, heapMatch: 'other', noCount: true });
  assert.equal(c.LD_PRELOAD, '/x/libperftop.so');
  assert.equal(c.PERFTOP_NO_COUNT, '1');
  assert.equal(base.PERFTOP_PROFILE_CPU, 'stale'); // the input is not modified
});

test('--alloc=MATCH for the root: a #! script is matched by the interpreter the kernel puts in argv[0]', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ptest-argv0-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = (name: string, text: string) => (writeFileSync(join(dir, name), text), join(dir, name));
  const py = file('tool.py', '#!  /usr/bin/python3 -u\nprint(1)\n');
  const bare = file('bare', '#!/bin/sh');
  const elf = file('elf', '\x7fELF....');
  assert.equal(imageArgv0(py, './tool.py'), '/usr/bin/python3');
  assert.equal(imageArgv0(bare, 'bare'), '/bin/sh', 'a #! line without a newline');
  assert.equal(imageArgv0(elf, 'x'), 'x');
  assert.equal(imageArgv0(file('long', `#!/${'a'.repeat(300)}`), 'long'), 'long', 'cut short: argv0 as given');
  assert.equal(imageArgv0(join(dir, 'missing'), 'm'), 'm');
  assert.ok(rootCounted('python*', py, './tool.py'));
  assert.ok(rootCounted('tool.py', py, './tool.py'), 'comm: the script\'s own name');
  assert.ok(!rootCounted('tool', py, './tool.py'));
  assert.ok(rootCounted(null, py, './tool.py'), 'no MATCH: everything counts');
});

test('the shim\'s control thread is left out of thread lists and counts', () => {
  const th = (tid: number, comm: string) => ({ tid, comm, state: 'S', ticks: 0, sigBlk: '0', sigPnd: '0', wchan: '', syscall: null });
  const r = { processes: [{ pid: 5, threadCount: 3, threads: [th(5, 'app'), th(6, 'perftop-ctl'), th(7, 'worker')] }] } as unknown as ProbeResult;
  const out = withoutControlThreads(r);
  assert.deepEqual(out.processes[0].threads.map((t) => t.comm), ['app', 'worker']);
  assert.equal(out.processes[0].threadCount, 2);
});

test('a leader caught carrying the control thread\'s name while it creates it keeps its own name and row', () => {
  const th = (tid: number, comm: string) => ({ tid, comm, state: 'S', ticks: 0, sigBlk: '0', sigPnd: '0', wchan: '', syscall: null });
  const proc = (pid: number, comm: string, argv: string[], threads: ReturnType<typeof th>[]) => ({ pid, comm, argv, threadCount: threads.length, threads });
  const names = new Map<number, string>();
  const tick = (...ps: ReturnType<typeof proc>[]) => withoutControlThreads({ processes: ps } as unknown as ProbeResult, names);
  tick(proc(5, 'app', ['./app'], [th(5, 'app')]));
  // Known from the last tick: that name. New: argv[0]'s basename, cut as the kernel cuts comm.
  const out = tick(
    proc(5, 'perftop-ctl', ['./app'], [th(5, 'perftop-ctl'), th(6, 'perftop-ctl')]),
    proc(9, 'perftop-ctl', ['/usr/bin/a-very-long-program-name'], [th(9, 'perftop-ctl')]),
  );
  assert.deepEqual(out.processes.map((p) => p.comm), ['app', 'a-very-long-pro']);
  assert.deepEqual(out.processes.map((p) => p.threads.map((t) => `${t.tid}:${t.comm}`)), [['5:app'], ['9:a-very-long-pro']]);
  assert.equal(out.processes[0].threadCount, 1);
  assert.equal(names.get(9), 'a-very-long-pro');
});

test('a leader gone with only the control thread left is an exiting process, not a main thread that left', () => {
  const th = (tid: number, comm: string, state = 'S') => ({ tid, comm, state, ticks: 0, sigBlk: '0', sigPnd: '0', wchan: '', syscall: null });
  const r = { processes: [
    { pid: 5, comm: 'child', argv: [], leaderExited: true, threadCount: 2, threads: [th(5, 'child', 'Z'), th(6, 'perftop-ctl')] },
    { pid: 7, comm: 'drain', argv: [], leaderExited: true, threadCount: 3, threads: [th(7, 'drain', 'Z'), th(8, 'perftop-ctl'), th(9, 'drainer')] },
  ] } as unknown as ProbeResult;
  const out = withoutControlThreads(r);
  assert.deepEqual(out.processes.map((p) => p.leaderExited), [false, true]);
});
