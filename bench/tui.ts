// Part of `npm run bench`: what the screen costs, against htop measured in the same run and the same 80×24 PTY.
//   - time to first frame (spawn → the first frame's header on the PTY);
//   - bytes written per update while only the header changes (the app is `sleep`, the tree is still);
//   - CPU % and RSS of the monitor itself at a 1 s interval while it watches the shipped example tree.
// Ratios are perftop / htop. Every process started here is ended by pid; the example's tree ends with perftop's q.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import pty from 'node-pty';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const PERFTOP = `${ROOT}bin/perftop`;
const SECONDS = Number(process.env.BENCH_TUI_SECONDS ?? 20);
const CLK_TCK = 100;

interface Chunk {
  t: number;
  bytes: number;
  text: string;
}

interface Run {
  firstFrameMs: number | null;
  chunks: Chunk[];
  cpuPercent: number;
  rssKiB: number;
}

/** Ink draws only the last frame when CI is set at all (even empty): the measured runs must not see it. */
function screenEnv(): Record<string, string> {
  const env: Record<string, string> = { TERM: 'xterm-256color' };
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && k !== 'CI' && k !== 'TERM') env[k] = v;
  return env;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function cpuTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(f[11]) + Number(f[12]);
}

function rssKiB(pid: number): number {
  const m = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) : 0;
}

/** Runs `cmd` in an 80×24 PTY for `seconds` (after its first frame), then sends `quitKeys` and waits for its exit. */
async function measure(cmd: string, args: string[], firstFrame: RegExp, seconds: number, quitKeys: string): Promise<Run> {
  const start = performance.now();
  const term = pty.spawn(cmd, args, {
    name: 'xterm-256color',
    cols: 80,
    rows: 24,
    cwd: ROOT,
    env: screenEnv(),
  });
  const chunks: Chunk[] = [];
  let seen = '';
  let firstFrameMs: number | null = null;
  term.onData((d) => {
    const t = performance.now();
    chunks.push({ t, bytes: Buffer.byteLength(d), text: d });
    if (firstFrameMs === null) {
      seen += d.replace(/\x1b\[[0-9;?]*[ -\/]*[@-~]/g, ''); // colours split the header's words
      if (firstFrame.test(seen)) firstFrameMs = t - start;
    }
  });
  const exited = new Promise<void>((r) => term.onExit(() => r()));
  try {
    const deadline = Date.now() + 15_000;
    while (firstFrameMs === null && Date.now() < deadline) await sleep(20);
    await sleep(2000); // settle: first samples, layout
    const t0 = cpuTicks(term.pid);
    const from = performance.now();
    await sleep(seconds * 1000);
    const cpu = ((cpuTicks(term.pid) - t0) / CLK_TCK / ((performance.now() - from) / 1000)) * 100;
    const rss = rssKiB(term.pid);
    const window = chunks.filter((c) => c.t >= from);
    term.write(quitKeys);
    await Promise.race([exited, sleep(8000)]);
    return { firstFrameMs, chunks: window, cpuPercent: cpu, rssKiB: rss };
  } finally {
    try {
      process.kill(term.pid, 'SIGKILL'); // only if q did not end it: ESRCH otherwise
    } catch {
      // gone, as it should be
    }
  }
}

/** Writes that arrive within 50 ms of each other are one update (Ink and htop may split a frame). */
function updates(chunks: Chunk[]): number[] {
  const out: number[] = [];
  let last = -Infinity;
  for (const c of chunks) {
    if (c.t - last > 50) out.push(0);
    out[out.length - 1] += c.bytes;
    last = c.t;
  }
  return out;
}

const median = (xs: number[]) => {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

const haveHtop = spawnSync('sh', ['-c', 'command -v htop'], { stdio: 'ignore' }).status === 0;
const fmt = (x: number, d = 1) => (Number.isFinite(x) ? x.toFixed(d) : 'n/a');
const ratio = (a: number, b: number) => (b > 0 ? `${(a / b).toFixed(2)}x` : 'n/a');

// Only the header changes: the app is a sleep, so the tree, the pane and the counters are still.
const quiet = await measure(PERFTOP, ['--no-alloc', 'sleep', '600'], /perftop .*running/, 10, 'q');
const quietHtop = haveHtop ? await measure('htop', ['-d', '10'], /Load average/, 10, 'q') : null;
const perUpdate = median(updates(quiet.chunks));
console.log(`bytes per update, only the header changing (10 s, 1 s interval): perftop median ${fmt(perUpdate, 0)} B` +
  (quietHtop ? `, htop ${fmt(median(updates(quietHtop.chunks)), 0)} B (htop redraws its meters and list)` : ''));

const busy = await measure(PERFTOP, ['./examples/out/forktree'], /perftop .*running/, SECONDS, 'q');
console.log(`watching examples/out/forktree at 1 Hz for ${SECONDS} s (80x24):`);
console.log(`  time to first frame  perftop ${fmt(busy.firstFrameMs ?? NaN, 0)} ms` +
  (quietHtop ? `   htop ${fmt(quietHtop.firstFrameMs ?? NaN, 0)} ms` : ''));
if (haveHtop) {
  const h = await measure('htop', ['-d', '10'], /Load average/, SECONDS, 'q');
  console.log(`  CPU                  perftop ${fmt(busy.cpuPercent)} %   htop ${fmt(h.cpuPercent)} %   ratio ${ratio(busy.cpuPercent, h.cpuPercent)}`);
  console.log(`  RSS                  perftop ${fmt(busy.rssKiB / 1024)} MiB   htop ${fmt(h.rssKiB / 1024)} MiB   ratio ${ratio(busy.rssKiB, h.rssKiB)}`);
} else {
  console.log(`  CPU perftop ${fmt(busy.cpuPercent)} %, RSS ${fmt(busy.rssKiB / 1024)} MiB (install htop to compare)`);
}
