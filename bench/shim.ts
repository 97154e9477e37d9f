// Part of `npm run bench` (bench/run.ts): the shim's overhead on a malloc-heavy program. Builds bench/malloc_bench.c and the shim, runs
// RUNS alternating pairs (plain, then LD_PRELOAD shim with a session so it really counts) per workload and prints
// the median per-pair ratio: "use" (blocks are written and read, the target <= 1.10x applies) and "bare" (nothing
// but malloc/free on glibc's tcache: the worst case, reported, no target). When heaptrack is on PATH, also its
// ratio on "use" with a smaller N (it is ~50x slower). Pairs alternate so that load from other processes on the
// machine hits both sides alike; the median of per-pair ratios discards the pairs it hit unevenly.
// Everything it creates (binary, segments, heaptrack output) lives in one temp dir that is removed at the end.
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { shimPath } from '../src/native/shimPath.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const RUNS = Number(process.env.BENCH_RUNS ?? 9);
// One thread (the counting path alone) and two (two busy slots and glibc arenas side by side on this 2-core box).
const THREAD_COUNTS = (process.env.BENCH_THREADS ?? '1,2').split(',').map(Number);
const N = Number(process.env.BENCH_N ?? 2_000_000);
const HEAPTRACK_N = Number(process.env.BENCH_HEAPTRACK_N ?? 100_000);
const TARGET = 1.1;

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

function timed(cmd: string[], env: NodeJS.ProcessEnv, cwd: string): number {
  const r = spawnSync(cmd[0], cmd.slice(1), { env, cwd, encoding: 'utf8', timeout: 120_000 });
  const m = /ns=(\d+)/.exec(r.stdout ?? '');
  if (r.status !== 0 || !m) throw new Error(`${cmd.join(' ')} failed (${r.status ?? r.signal}): ${r.stderr}`);
  return Number(m[1]);
}

function onPath(name: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' }).status === 0;
}

const work = mkdtempSync(join(tmpdir(), 'ptbench-'));
try {
  execFileSync('make', ['-s', '-C', join(ROOT, 'native'), 'out/libperftop.so'], { stdio: 'inherit' });
  const bin = join(work, 'malloc_bench');
  execFileSync('cc', ['-O2', '-fno-builtin', '-pthread', '-o', bin, join(ROOT, 'bench/malloc_bench.c')]);
  const shm = join(work, 'shm');
  execFileSync('mkdir', ['-p', shm]);
  const session = `${process.pid}x${randomBytes(3).toString('hex')}`;
  const plainEnv = { ...process.env, LD_PRELOAD: '' };
  const shimEnv = { ...process.env, LD_PRELOAD: shimPath(), PERFTOP_SESSION: session, PERFTOP_SHM_DIR: shm };
  const ms = (ns: number) => (ns / 1e6).toFixed(1);
  let expectedSegments = 0;
  const ratioOf = (workload: 'use' | 'bare', n: number, THREADS: number): number => {
    const args = [bin, String(THREADS), String(n), workload];
    timed(args, plainEnv, work); // warm-up (page cache, CPU frequency)
    const plain: number[] = [];
    const shim: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      plain.push(timed(args, plainEnv, work));
      shim.push(timed(args, shimEnv, work));
    }
    expectedSegments += RUNS;
    const ratio = median(plain.map((p, i) => shim[i] / p));
    console.log(`${workload}: ${THREADS} threads x ${n} malloc+free, ${RUNS} alternating pairs`);
    console.log(`  plain   median ${ms(median(plain))} ms   [${plain.map(ms).join(' ')}]`);
    console.log(`  shim    median ${ms(median(shim))} ms   [${shim.map(ms).join(' ')}]`);
    return ratio;
  };
  let worst = 0;
  for (const threads of THREAD_COUNTS) {
    const use = ratioOf('use', N, threads);
    console.log(`  shim overhead (use, ${threads} thread${threads > 1 ? 's' : ''}): median ratio ${use.toFixed(3)}x (target <= ${TARGET.toFixed(2)}x) ${use <= TARGET ? 'OK' : 'OVER TARGET'}`);
    const bare = ratioOf('bare', N, threads);
    console.log(`  shim overhead (bare, worst case, ${threads} thread${threads > 1 ? 's' : ''}): median ratio ${bare.toFixed(3)}x`);
    worst = Math.max(worst, use);
  }
  const segs = readdirSync(shm).filter((n) => n.startsWith(`perftop-${session}-`));
  if (segs.length !== expectedSegments)
    throw new Error(`expected ${expectedSegments} segments (one per shim run: it counted), found ${segs.length}`);

  if (onPath('heaptrack')) {
    const small = [bin, String(THREAD_COUNTS[0]), String(HEAPTRACK_N), 'use'];
    const hp: number[] = [];
    const hh: number[] = [];
    for (let i = 0; i < 3; i++) {
      hp.push(timed(small, plainEnv, work));
      hh.push(timed(['heaptrack', '-o', join(work, `ht${i}`), ...small], plainEnv, work));
    }
    const hr = median(hp.map((p, i) => hh[i] / p));
    console.log(`heaptrack (use, N=${HEAPTRACK_N}, 3 pairs): median ratio ${hr.toFixed(1)}x`);
  } else {
    console.log('  heaptrack: not on PATH, skipped');
  }
  if (worst > TARGET) process.exitCode = 1;
} finally {
  rmSync(work, { recursive: true, force: true });
}
