// The profiling actions of one perftop session, for the UI and --json: CPU profile toggle (gperftools, through
// the shim's control thread), heap dump (gperftools), perf record toggle, each verified on disk and announced as a
// `dump` event; the per-process `profiling` state of the Snapshot; profile files written at exit (from-start
// profiles) announced once their process is gone; top entries of any file for the files view.
import { readdirSync, readlinkSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { Profiling, SnapshotEvent } from '../model/snapshot.js';
import { PROFILING_OFF } from '../model/snapshot.js';
import { pidAlive } from '../native/index.js';
import { Ack, Cmd, ControlChannel, type ControlEntry } from './channel.js';
import { newestHeapDump, parseProfileName, safeComm } from './names.js';
import type { OutDir } from './outDir.js';
import { PerfRecorder, type PerfStopped } from './perf.js';
import { reportLines } from './reports.js';
import { perfReport, pprofReport } from './tools.js';
import { verifyFile } from './verify.js';

export interface ProfileResult {
  ok: boolean;
  /** One line for the status bar. */
  message: string;
  file?: string;
  size?: number;
}

export interface ProfilingControlOptions {
  out: OutDir;
  /** The shim's session (run mode); null when there is no shim (attached): then only perf works. */
  session: string | null;
  /** Where the shim's control files are (PERFTOP_CTL_DIR: the session directory). */
  ctlDir?: string;
  /** Why d/p cannot work when session is null ("attached: the shim loads only at process start"). */
  noShimReason?: string;
  /** Events for the next snapshot. */
  emit: (e: SnapshotEvent) => void;
  alive?: (pid: number) => boolean;
}

/** FIELD.md §4: libprofiler's SIGPROF interrupts the app's system calls (poll() is never restarted). */
export const EINTR_NOTE = 'SIGPROF now hits the app (poll() EINTR); P sends no signal';

export class ProfilingControl {
  private readonly channel: ControlChannel | null;
  private readonly perf: PerfRecorder;
  private readonly alive: (pid: number) => boolean;
  /** "<safe comm>.<pid>" → executable, remembered while the process lives (pprof needs it after the exit). */
  private readonly exes = new Map<string, string>();
  private readonly announced = new Map<string, number>();
  private readonly sizes = new Map<string, number>();
  private readonly reports = new Map<string, { size: number; lines: string[] }>();
  private readonly busy = new Set<number>();
  private eintrNoted = false;
  private lastScan = 0;

  constructor(private readonly opts: ProfilingControlOptions) {
    this.alive = opts.alive ?? pidAlive;
    this.channel = opts.session && opts.ctlDir ? new ControlChannel(opts.session, opts.ctlDir, this.alive) : null;
    this.perf = new PerfRecorder((pid, r) => this.perfEnded(pid, r));
  }

  /** pid → comm of processes seen with a heap profiler running. */
  private readonly heapOn = new Map<number, string>();

  get outDir(): string {
    return this.opts.out.path;
  }

  /** Once per tick (before the sampler reads `profiling`): control state, executables, files written at exit. */
  refresh(): void {
    this.lastScan = Date.now();
    if (this.channel) {
      for (const e of this.channel.scan().values()) {
        this.rememberExe(e);
        if (e.state.heapOn) this.heapOn.set(e.pid, e.state.comm);
      }
    }
    this.announceFinished();
    this.heapEndedUnwritten();
  }

  /** A process whose heap profiler ran and that is gone without a single heap file: it ended by a signal or _exit,
   * which write nothing (gperftools dumps at exit() or on request). Said once, instead of an empty files view. */
  private heapEndedUnwritten(): void {
    for (const [pid, comm] of this.heapOn) {
      if (this.alive(pid)) continue;
      this.heapOn.delete(pid);
      if (safeReaddir(this.opts.out.path).some((n) => parseProfileName(n)?.pid === pid && n.endsWith('.heap'))) continue;
      this.opts.emit({ t: Date.now(), pid, kind: 'error', message: `heap profile of ${comm} ${pid}: none written; it ended without exit() (a signal or _exit), and gperftools writes one only at exit() or on d` });
    }
  }

  profiling(pid: number): Profiling {
    if (Date.now() - this.lastScan > 250) this.refresh();
    const st = this.channel?.get(pid)?.state;
    const perf = this.perf.isRecording(pid);
    if (!st && !perf) return PROFILING_OFF;
    const gp = !!st && (st.cpuOn || st.heapOn);
    return {
      cpu: (st?.cpuOn ?? false) || perf ? 'on' : 'off',
      heap: st?.heapOn ? 'on' : 'off',
      backend: gp ? 'gperftools' : perf ? 'perf' : null,
    };
  }

  /** `p`: start or stop a gperftools CPU profile in the process (no preload, no signal from perftop). */
  async toggleCpu(pid: number, comm: string): Promise<ProfileResult> {
    const ch = this.channel;
    if (!ch) return { ok: false, message: `CPU profile: ${this.opts.noShimReason ?? 'no shim'}; P (perf) works` };
    return this.once(pid, async () => {
      const entry = ch.scan().get(pid);
      if (!entry) return { ok: false, message: `CPU profile: no perftop shim in ${comm} ${pid} (static/setuid binary or cleared LD_PRELOAD); P (perf) works` };
      this.rememberExe(entry);
      if (entry.state.cpuOn) {
        const since = Date.now();
        const ack = await ch.request(pid, Cmd.CpuStop, '');
        if (ack.status !== Ack.Ok) return { ok: false, message: `CPU profile stop failed in ${pid}: ${ack.message}` };
        return this.finished(pid, ack.file, since, 'CPU profile');
      }
      let dir: string;
      try {
        dir = this.opts.out.ensure();
      } catch (err) {
        return { ok: false, message: (err as Error).message };
      }
      const ack = await ch.request(pid, Cmd.CpuStart, dir);
      if (ack.status !== Ack.Ok) return { ok: false, message: `CPU profile of ${comm} ${pid} not started: ${ack.message}` };
      let message = `CPU profile of ${comm} ${pid} on → ${basename(ack.file)} (p stops it)`;
      if (!this.eintrNoted) {
        this.eintrNoted = true; // the first time only: SIGPROF is the one side effect of this backend
        message = `CPU profile on → ${basename(ack.file)} · ${EINTR_NOTE}`;
      }
      return { ok: true, message, file: ack.file };
    });
  }

  /** `d`: HeapProfilerDump in the process (libtcmalloc must be loaded: --profile-heap=MATCH). */
  async heapDump(pid: number, comm: string): Promise<ProfileResult> {
    const ch = this.channel;
    if (!ch) return { ok: false, message: `heap dump: ${this.opts.noShimReason ?? 'no shim'}` };
    return this.once(pid, async () => {
      let dir: string;
      try {
        dir = this.opts.out.ensure();
      } catch (err) {
        return { ok: false, message: (err as Error).message };
      }
      const since = Date.now();
      const ack = await ch.request(pid, Cmd.HeapDump, dir);
      if (ack.status === Ack.Unavailable)
        return { ok: false, message: `heap dump: ${ack.message} (${comm} ${pid}); run it with --profile-heap=${comm}` };
      if (ack.status !== Ack.Ok) return { ok: false, message: `heap dump of ${comm} ${pid} failed: ${ack.message}` };
      if (!ack.file) return { ok: true, message: `heap dump of ${comm} ${pid} written where the app's own HEAPPROFILE says` };
      const name = newestHeapDump(safeReaddir(dirname(ack.file)), basename(ack.file));
      if (!name) return { ok: false, message: `heap dump of ${comm} ${pid}: no ${basename(ack.file)}.NNNN.heap was written` };
      const r = this.finished(pid, join(dirname(ack.file), name), since, 'heap dump');
      if (r.ok && ack.message === 'started') r.message += ' (heap profiler started just now: the next d shows what was allocated since)';
      return r;
    });
  }

  /** `P`: perf record -g -p PID (no signal reaches the app). */
  async togglePerf(pid: number, comm: string): Promise<ProfileResult> {
    return this.once(pid, async () => {
      if (this.perf.isRecording(pid)) {
        const r = await this.perf.stop(pid);
        if (!r.ok) return { ok: false, message: `perf record of ${pid}: ${r.message}` };
        this.announce(pid, r.file, r.size);
        return { ok: true, message: `perf record ${kb(r.size)} → ${this.show(r.file)}`, file: r.file, size: r.size };
      }
      let dir: string;
      try {
        dir = this.opts.out.ensure();
      } catch (err) {
        return { ok: false, message: (err as Error).message };
      }
      const exe = readExe(pid);
      if (exe) this.exes.set(`${safeComm(comm)}.${pid}`, exe);
      const r = await this.perf.start(pid, comm, dir);
      if (!r.ok) return { ok: false, message: r.message };
      return { ok: true, message: `perf record of ${comm} ${pid} started → ${this.show(r.file)} (P stops it; no signal reaches the app)`, file: r.file };
    });
  }

  /** Top entries of a profile file (google-pprof --text or perf report --stdio), cached by size. */
  async report(file: string): Promise<string[]> {
    let size = -1;
    try {
      size = statSync(file).size;
    } catch {
      return [`${file}: gone`];
    }
    const hit = this.reports.get(file);
    if (hit && hit.size === size) return hit.lines;
    const id = parseProfileName(basename(file));
    let lines: string[];
    if (!id) lines = ['not a perftop profile file'];
    else if (id.kind === 'perf') {
      const r = await perfReport(file);
      lines = typeof r === 'string' ? [r] : reportLines(r);
    } else {
      const exe = this.exes.get(`${id.comm}.${id.pid}`) ?? readExe(id.pid);
      if (!exe) lines = [`executable of ${id.pid} unknown: run google-pprof --text <exe> ${file}`];
      else {
        const r = await pprofReport(exe, file);
        lines = typeof r === 'string' ? [r] : reportLines(r);
      }
    }
    this.reports.set(file, { size, lines });
    return lines;
  }

  /** Quit: perf children are stopped and running gperftools CPU profiles are stopped through the control thread,
   * so every file is complete before the tree gets SIGTERM (a profile is only written at ProfilerStop or a normal
   * exit, which a killed process never reaches: it would stay a 0-byte file). Bounded: a stuck process must not
   * hold the quit up. */
  async stopAll(): Promise<void> {
    const stops: Array<Promise<unknown>> = [this.perf.stopAll()];
    const ch = this.channel;
    if (ch) {
      for (const e of ch.scan().values()) {
        // A heap profile is written only at exit() or on a dump, and quitting ends the tree by TERM: dump it first
        // (seed 002: a service ended by a signal never wrote one).
        if (e.state.heapOn) stops.push(this.heapDump(e.pid, e.state.comm).catch(() => {}));
        if (!e.state.cpuOn) continue;
        const since = Date.now();
        stops.push(
          ch.request(e.pid, Cmd.CpuStop, '', 2000).then((ack) => {
            if (ack.status === Ack.Ok) this.finished(e.pid, ack.file, since, 'CPU profile');
          }, () => {}),
        );
      }
    }
    await Promise.all(stops);
  }

  close(): void {
    this.perf.interruptAll();
  }

  // ---- internals ----

  /** One action at a time per process: a second key press while one runs is refused, not queued. */
  private async once(pid: number, fn: () => Promise<ProfileResult>): Promise<ProfileResult> {
    if (this.busy.has(pid)) return { ok: false, message: `${pid}: the previous profiling action is still running` };
    this.busy.add(pid);
    try {
      const r = await fn();
      // "Created when first used": a request that wrote nothing leaves no empty directory behind.
      if (!r.ok) this.opts.out.releaseIfEmpty();
      return r;
    } finally {
      this.busy.delete(pid);
    }
  }

  private finished(pid: number, file: string, since: number, what: string): ProfileResult {
    const v = verifyFile(file, since, what);
    if ('message' in v) return { ok: false, message: `${what} of ${pid}: ${v.message}` };
    this.announce(pid, v.file, v.size);
    return { ok: true, message: `${what} ${kb(v.size)} → ${this.show(v.file)}`, file: v.file, size: v.size };
  }

  private announce(pid: number, file: string, size: number): void {
    this.announced.set(file, size);
    this.opts.emit({ t: Date.now(), pid, kind: 'dump', file, size });
  }

  private perfEnded(pid: number, r: PerfStopped): void {
    if (r.ok) this.announce(pid, r.file, r.size);
    else this.opts.emit({ t: Date.now(), pid, kind: 'error', file: r.file, message: `perf record ended with the process: ${r.message}` });
  }

  private rememberExe(e: ControlEntry): void {
    const key = `${safeComm(e.state.comm)}.${e.pid}`;
    if (this.exes.has(key)) return;
    const exe = readExe(e.pid);
    if (exe) this.exes.set(key, exe);
  }

  /** Files perftop did not ask for (from-start profiles, dumps at exit): announced once complete — their process
   * is gone, or their size held still for a tick and no profiler is writing them. */
  private announceFinished(): void {
    if (!this.opts.out.exists && !this.channel) return;
    const dir = this.opts.out.path;
    for (const name of safeReaddir(dir)) {
      const id = parseProfileName(name);
      if (!id) continue;
      const file = join(dir, name);
      let size: number;
      try {
        size = statSync(file).size;
      } catch {
        continue;
      }
      if (this.announced.get(file) === size) continue;
      const prev = this.sizes.get(file);
      this.sizes.set(file, size);
      const live = this.alive(id.pid);
      if (size === 0) {
        // A profile is written at ProfilerStop or a normal exit; a process that left through _exit or a signal
        // leaves only the empty file it opened. Said once, so nobody takes it for a profile.
        if (!live && id.kind !== 'perf') {
          this.announced.set(file, 0);
          this.opts.emit({ t: Date.now(), pid: id.pid, kind: 'error', file, message: `${basename(file)} is empty: the process ended without writing it (_exit or a signal: no ProfilerStop, no exit())` });
        }
        continue;
      }
      if (live) {
        if (id.kind === 'perf' && this.perf.isRecording(id.pid)) continue;
        const st = this.channel?.get(id.pid)?.state;
        if (id.kind === 'cpu' && st?.cpuOn && st.cpuFile === file) continue;
        if (prev !== size) continue;
      }
      if (this.announced.has(file) && live) continue; // a file we announced that grew while its process lives
      this.announce(id.pid, file, size);
    }
  }

  private show(file: string): string {
    const cwd = process.cwd();
    return file.startsWith(`${cwd}/`) ? `./${file.slice(cwd.length + 1)}` : file;
  }
}

function safeReaddir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/** The process's executable; once its leader has exited, /proc/PID/exe is gone but a live thread's still links it. */
function readExe(pid: number): string | null {
  for (const tid of [String(pid), ...safeReaddir(`/proc/${pid}/task`)]) {
    try {
      return readlinkSync(`/proc/${pid}/task/${tid}/exe`).replace(/ \(deleted\)$/, '');
    } catch {
      // this one has exited: the next
    }
  }
  return null;
}

/** "12 KB" (1 decimal under 10) */
export function kb(n: number): string {
  if (n < 1024) return `${n} B`;
  const k = n / 1024;
  if (k < 1024) return `${k < 10 ? k.toFixed(1) : Math.round(k)} KB`;
  const m = k / 1024;
  return `${m < 10 ? m.toFixed(1) : Math.round(m)} MB`;
}
