// Part of `npm run bench` (bench/run.ts): what the LD_PRELOAD shim costs a malloc-heavy program (bench/malloc_bench.c).
//
// 1. The target (<= 1.10x, "use" workload): PAIRS pairs of rounds inside one process under the shim, one round
//    through malloc/free (the shim, counting into a real segment) and one through __libc_malloc/__libc_free (glibc
//    itself), ABBA order, median of the per-pair ratios; PROCS such processes, and the median of their medians. Rounds a few ms apart see the same machine; on this shared
//    VM the speed drifts 20-30 % over seconds, which scatters process-level pairs by +-15 %. The segment is read
//    back afterwards: the shim rounds were counted, the glibc rounds were not.
// 2. The same for "bare" (nothing but tcache: the worst case) and for a process the shim loads into but does not
//    count (no session, or not matched by --alloc): reported, no target.
// 3. Process-level alternating pairs (plain process vs preloaded process), as a cross-check of 1.
// 4. Instructions the shim adds per malloc/free pair (callgrind, when valgrind is on PATH): exact, noise-free.
// 5. heaptrack on the same workload, when it is on PATH.
// Everything it creates (binary, segments, profiles) lives in two temp dirs that are removed at the end.
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SegmentReader } from '../src/native/index.js';
import { shimPath } from '../src/native/shimPath.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const THREAD_COUNTS = (process.env.BENCH_THREADS ?? '1,2').split(',').map(Number);
const ROUND_N = Number(process.env.BENCH_ROUND_N ?? 50_000); // iterations per thread per round (~3 ms)
const PAIRS = Number(process.env.BENCH_PAIRS ?? 201);
const PROCS = Number(process.env.BENCH_PROCS ?? 5); // processes behind the target figure
const SIDE_PROCS = Number(process.env.BENCH_SIDE_PROCS ?? 3); // for the figures without a target
const PROCESS_N = Number(process.env.BENCH_N ?? 2_000_000);
const PROCESS_RUNS = Number(process.env.BENCH_RUNS ?? 7);
const HEAPTRACK_N = Number(process.env.BENCH_HEAPTRACK_N ?? 100_000);
const TARGET = 1.1;

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

function run(cmd: string[], env: NodeJS.ProcessEnv, cwd: string): { out: string; err: string; pid: number } {
  const r = spawnSync(cmd[0], cmd.slice(1), { env, cwd, encoding: 'utf8', timeout: 300_000 });
  if (r.status !== 0) throw new Error(`${cmd.join(' ')} failed (${r.status ?? r.signal ?? r.error?.message}): ${r.stderr}`);
  return { out: r.stdout, err: r.stderr, pid: r.pid! };
}

function onPath(name: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' }).status === 0;
}

interface Interleaved {
  ratio: number;
  q1: number;
  q3: number;
  shimMs: number;
  glibcMs: number;
}

function parseInterleaved(out: string): Interleaved {
  const f = Object.fromEntries([...out.matchAll(/(\w+)=([\d.]+)/g)].map((m) => [m[1], Number(m[2])]));
  if (!(f.ratio > 0)) throw new Error(`malloc_bench printed no ratio: ${out}`);
  return { ratio: f.ratio, q1: f.q1, q3: f.q3, shimMs: f.shim_ms, glibcMs: f.glibc_ms };
}

const work = mkdtempSync(join(tmpdir(), 'ptbench-'));
// Segments go where perftop puts them (tmpfs), in a private directory; the temp dir is the fallback.
const shm = existsSync('/dev/shm') ? mkdtempSync('/dev/shm/ptbench-') : join(work, 'shm');
try {
  execFileSync('make', ['-s', '-C', join(ROOT, 'native'), 'out/libperftop.so'], { stdio: 'inherit' });
  const bin = join(work, 'malloc_bench');
  execFileSync('cc', ['-O2', '-fno-builtin', '-pthread', '-o', bin, join(ROOT, 'bench/malloc_bench.c')]);
  execFileSync('mkdir', ['-p', shm]);
  const session = `${process.pid}x${randomBytes(3).toString('hex')}`;
  const plainEnv = { ...process.env, LD_PRELOAD: '' };
  const shimEnv = { ...process.env, LD_PRELOAD: shimPath(), PERFTOP_SESSION: session, PERFTOP_SHM_DIR: shm };
  const uncountedEnv = { ...process.env, LD_PRELOAD: shimPath(), PERFTOP_SESSION: '', PERFTOP_SHM_DIR: shm };
  const reader = new SegmentReader({ session, dir: shm });

  // The shim rounds (PAIRS + 1 warm-up per thread) were counted; the glibc rounds were not.
  const checkCounted = (pid: number, threads: number) => {
    const seg = reader.read().segments.find((s) => s.pid === pid);
    const shimRounds = (PAIRS + 1) * ROUND_N * threads;
    if (!seg) throw new Error(`no segment for pid ${pid}: the shim did not count`);
    if (seg.total.allocs < shimRounds || seg.total.allocs > shimRounds * 1.01 + 10_000)
      throw new Error(`segment of ${pid} counted ${seg.total.allocs} allocations, expected ${shimRounds} (shim rounds only)`);
  };

  // Each process gets its own address-space layout and its own moment of the machine: the figure is the median of
  // PROCS process medians (each over PAIRS pairs), and the spread across processes is printed with it.
  const interleaved = (threads: number, mode: 'use' | 'bare', env: NodeJS.ProcessEnv, procs: number, counted: boolean) => {
    const runs: Interleaved[] = [];
    for (let i = 0; i < procs; i++) {
      const r = run([bin, String(threads), String(ROUND_N), mode, String(PAIRS)], env, work);
      if (counted) checkCounted(r.pid, threads);
      runs.push(parseInterleaved(r.out));
    }
    return runs;
  };
  const fmt = (runs: Interleaved[]) => {
    const ratios = runs.map((r) => r.ratio).sort((a, b) => a - b);
    return (
      `median ratio ${median(ratios).toFixed(3)}x over ${runs.length} processes ` +
      `[${ratios.map((x) => x.toFixed(3)).join(' ')}] (round ${median(runs.map((r) => r.shimMs)).toFixed(2)} ms ` +
      `through the shim, ${median(runs.map((r) => r.glibcMs)).toFixed(2)} ms through glibc)`
    );
  };

  console.log(`Interleaved rounds: each process runs ${PAIRS} ABBA pairs x ${ROUND_N} malloc+free per thread and round`);
  let worst = 0;
  for (const threads of THREAD_COUNTS) {
    const label = `${threads} thread${threads > 1 ? 's' : ''}`;
    const use = interleaved(threads, 'use', shimEnv, PROCS, true);
    const ratio = median(use.map((r) => r.ratio));
    worst = Math.max(worst, ratio);
    console.log(`  use, ${label}: ${fmt(use)}  target <= ${TARGET.toFixed(2)}x ${ratio <= TARGET ? 'OK' : 'OVER TARGET'}`);
    console.log(`  bare (worst case), ${label}: ${fmt(interleaved(threads, 'bare', shimEnv, SIDE_PROCS, true))}`);
  }
  const nc = interleaved(1, 'use', uncountedEnv, SIDE_PROCS, false);
  console.log(`  use, 1 thread, shim loaded but not counting (no session / --alloc did not match): ${fmt(nc)}`);

  console.log(`Process-level pairs (plain process, then preloaded process), ${PROCESS_RUNS} pairs, use, 1 thread x ${PROCESS_N}:`);
  const args = [bin, '1', String(PROCESS_N), 'use'];
  const ns = (env: NodeJS.ProcessEnv) => Number(/ns=(\d+)/.exec(run(args, env, work).out)![1]);
  ns(plainEnv); // warm-up
  const plain: number[] = [];
  const shim: number[] = [];
  for (let i = 0; i < PROCESS_RUNS; i++) {
    plain.push(ns(plainEnv));
    shim.push(ns(shimEnv));
  }
  const ms = (x: number) => (x / 1e6).toFixed(1);
  console.log(`  plain [${plain.map(ms).join(' ')}] ms, shim [${shim.map(ms).join(' ')}] ms`);
  console.log(`  median per-pair ratio ${median(plain.map((p, i) => shim[i] / p)).toFixed(3)}x (the machine's drift shows here)`);

  if (onPath('valgrind')) {
    // Total instructions at two N: the difference cancels start-up, leaving the per-iteration cost exactly.
    const ir = (env: NodeJS.ProcessEnv, n: number) => {
      const out = join(work, `cg.${n}.${env === plainEnv ? 'plain' : 'shim'}`);
      const r = run(['valgrind', '--tool=callgrind', `--callgrind-out-file=${out}`, bin, '1', String(n), 'bare'], env, work);
      const m = /Collected : (\d+)/.exec(r.err);
      if (!m) throw new Error(`callgrind printed no total: ${r.err.slice(-400)}`);
      return Number(m[1]);
    };
    const [a, b] = [100_000, 300_000];
    const perIter = (env: NodeJS.ProcessEnv) => (ir(env, b) - ir(env, a)) / (b - a);
    const p = perIter(plainEnv);
    const s = perIter(shimEnv);
    console.log(`Instructions per iteration (callgrind, bare): plain ${p.toFixed(1)}, shim ${s.toFixed(1)}: the shim adds ${(s - p).toFixed(1)} per malloc/free pair`);
  } else {
    console.log('  callgrind: valgrind not on PATH, skipped');
  }

  if (onPath('heaptrack')) {
    const small = [bin, '1', String(HEAPTRACK_N), 'use'];
    const hp: number[] = [];
    const hh: number[] = [];
    for (let i = 0; i < 3; i++) {
      hp.push(Number(/ns=(\d+)/.exec(run(small, plainEnv, work).out)![1]));
      const h = run(['heaptrack', '-o', join(work, `ht${i}`), ...small], plainEnv, work);
      hh.push(Number(/ns=(\d+)/.exec(h.out)![1]));
    }
    console.log(`heaptrack (use, 1 thread x ${HEAPTRACK_N}, 3 process-level pairs): median ratio ${median(hp.map((x, i) => hh[i] / x)).toFixed(1)}x`);
  } else {
    console.log('  heaptrack: not on PATH, skipped');
  }
  if (worst > TARGET) process.exitCode = 1;
} finally {
  rmSync(work, { recursive: true, force: true });
  rmSync(shm, { recursive: true, force: true });
}
