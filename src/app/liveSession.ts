// A running perftop session: the supervisor's tree (or an attached pid), the sampler ticking once per interval,
// and the app's screen fed from the PTY. This is the one object the TUI and --json both read.
import { readFileSync } from 'node:fs';
import { ProcProbe } from '../probe/procProbe.js';
import { Symbolizer } from '../probe/symbolizer.js';
import { exeKind } from '../probe/exeKind.js';
import { INIT_COMM, Sampler } from '../model/sampler.js';
import type { AppScreen, SendResult, Session } from '../model/session.js';
import type { ExitInfo, Profiling, Snapshot, SnapshotEvent } from '../model/snapshot.js';
import { signalName } from '../probe/signals.js';
import { SegmentReader, sendSignal } from '../native/index.js';
import type { RunningTree } from '../supervisor/index.js';
import { createAppScreen, type WritableAppScreen } from '../supervisor/appScreen.js';
import { hideControlThreads, OutDir, ProfilingControl } from '../control/index.js';
import type { ProfileActionResult } from '../model/session.js';

/** Pause the PTY when the emulator has this much unparsed output queued; resume below a quarter of it. */
const SCREEN_HIGH_WATER = 256 * 1024;

export interface LiveSessionOptions {
  title: string;
  interval: number;
  /** Run mode: the tree under perftop's init. Attach mode: null. */
  tree: RunningTree | null;
  /** Attach mode: the pid followed. */
  attachPid?: number;
  session?: string;
  shmDir?: string;
  /** Count allocations (run mode with the shim); false: every process says why not. */
  alloc: boolean;
  allocMatch: string | null;
  screenSize?: { cols: number; rows: number };
  /** The app's command line (run mode), for a root that exits before the first sample. */
  rootArgv?: string[];
  profiling?: (pid: number) => Profiling;
  /** --out DIR (null: ./perftop-YYYYmmdd-HHMMSS/); created on first use by d/p/P or --profile-*. */
  out?: OutDir | string | null;
  /** The shim's control files (PERFTOP_CTL_DIR, the session directory); absent: d/p say why not, P still works. */
  controlDir?: string;
}

export class LiveSession implements Session {
  readonly title: string;
  readonly startedAt = Date.now();
  readonly interval: number;
  readonly attached: boolean;
  readonly screen: AppScreen | null;

  private readonly tree: RunningTree | null;
  private readonly sampler: Sampler;
  private readonly term: WritableAppScreen | null;
  private readonly listeners = new Set<(s: Snapshot) => void>();
  private readonly extraEvents: SnapshotEvent[] = [];
  /** pid -> when perftop SIGKILLed it (for a minute: a pid is reused in time). */
  private readonly killed = new Map<number, number>();
  private latest: Snapshot | null = null;
  private timer: NodeJS.Timeout | null = null;
  private attachedExit: ExitInfo | null = null;
  private readonly notes = new Map<string, string>();
  private quitting: Promise<void> | null = null;
  private readonly profiler: ProfilingControl;
  readonly outDir: string;

  constructor(private readonly opts: LiveSessionOptions) {
    this.title = opts.title;
    this.interval = opts.interval;
    this.tree = opts.tree;
    this.attached = opts.tree === null;

    // Profiling (d/p/P, --profile-*): its events join the next snapshot; it refreshes before each probe tick, and
    // the shim's control thread is hidden from the probe's results (it is perftop's, not the app's).
    const out = opts.out instanceof OutDir ? opts.out : new OutDir(opts.out ?? null, new Date(this.startedAt));
    this.outDir = out.path;
    this.profiler = new ProfilingControl({
      out,
      session: opts.tree && opts.session && opts.controlDir ? opts.session : null,
      ctlDir: opts.controlDir,
      noShimReason: this.attached
        ? 'attached: no shim (it loads only at process start)'
        : 'no shim loaded (--no-alloc without --profile-*)',
      emit: (e) => this.extraEvents.push(e),
    });
    const probe = hideControlThreads(
      opts.tree
        ? new ProcProbe({ rootPid: opts.tree.initPid, includeRoot: false })
        : new ProcProbe({ rootPid: opts.attachPid!, includeRoot: true }),
      () => this.profiler.refresh(),
    );
    const symbols = new Symbolizer();
    // Every image of the tree has a segment (history, timers, exec and exit records), counting or not.
    const segments = opts.session ? new SegmentReader({ session: opts.session, dir: opts.shmDir }) : undefined;
    this.sampler = new Sampler({
      probe,
      interval: opts.interval,
      rootPid: () => (opts.tree ? opts.tree.appPid() : opts.attachPid!),
      exitOf: opts.tree ? (pid) => opts.tree!.exitOf(pid) : undefined,
      segments,
      allocNote: (pid, segment, comm) => this.allocNote(pid, segment, comm),
      profiling: opts.profiling ?? ((pid) => this.profiler.profiling(pid)),
      symbolize: (pid, text) => symbols.resolve(pid, text),
      rootArgv: opts.rootArgv,
      rootPpid: opts.tree?.initPid,
      killedBy: (pid) => (Date.now() - (this.killed.get(pid) ?? -Infinity) < 60_000 ? { signal: 'SIGKILL' } : undefined),
    });

    this.term = opts.tree && opts.tree.mode === 'pty' ? this.attachScreen(opts.tree, opts.screenSize) : null;
    this.screen = this.term ? this.wrapScreen(this.term, opts.tree!) : null;
  }

  /** Why a process is not counted. `segment`: its image runs perftop's shim, which was told not to count it (that is
   * a fact, said as such); without one, the executable says why the shim is not there. Cached per pid and comm (an
   * exec changes the answer). */
  private allocNote(pid: number, segment: boolean, comm: string): string {
    if (this.attached) return 'not counted: attached (the shim loads only at process start)';
    if (!this.opts.alloc) return 'not counted: --no-alloc';
    if (segment) {
      return this.opts.allocMatch
        ? `not counted: not selected by --alloc=${this.opts.allocMatch} when its image started (fork children keep their parent's choice)`
        : 'not counted';
    }
    const key = `${pid}\0${comm}`;
    let note = this.notes.get(key);
    if (note === undefined) {
      const kind = exeKind(pid);
      note =
        kind === 'static'
          ? 'not counted: static binary (the loader never reads LD_PRELOAD)'
          : kind === 'setuid'
            ? 'not counted: setuid/setgid binary (the loader ignores LD_PRELOAD)'
            : 'not counted: no shim in this process (it cleared LD_PRELOAD, or it has not started yet)';
      if (kind !== 'unknown') this.notes.set(key, note);
    }
    return note;
  }

  /** The PTY stream goes into the emulator; when its parse queue grows, the PTY is paused (the app blocks). */
  private attachScreen(tree: RunningTree, size?: { cols: number; rows: number }): WritableAppScreen {
    const term = createAppScreen(size?.cols ?? 80, size?.rows ?? 24);
    let paused = false;
    tree.onOutput((data) => {
      term.write(data, () => {
        if (paused && term.pendingBytes() < SCREEN_HIGH_WATER / 4) {
          paused = false;
          tree.resume();
        }
      });
      if (!paused && term.pendingBytes() > SCREEN_HIGH_WATER) {
        paused = true;
        tree.pause();
      }
    });
    return term;
  }

  /** The UI resizes the pane; the app's PTY follows, so the app redraws for the size it is shown at. */
  private wrapScreen(term: WritableAppScreen, tree: RunningTree): AppScreen {
    return {
      lines: () => term.lines(),
      get cols() {
        return term.cols;
      },
      get rows() {
        return term.rows;
      },
      resize(cols: number, rows: number) {
        if (cols === term.cols && rows === term.rows) return;
        term.resize(cols, rows);
        tree.resize(cols, rows);
      },
      onChange: (l) => term.onChange(l),
    };
  }

  start(): void {
    if (this.timer) return;
    // The first snapshot waits for init to name the app's pid, so `root` is right from the first line on, and for
    // the exec of the app (a moment), so that the first line lists it rather than nothing.
    if (this.tree && this.tree.appExit() === null && (this.tree.appPid() === null || this.beforeExec(this.tree.appPid()!))) {
      this.timer = setTimeout(() => {
        this.timer = null;
        this.start();
      }, 10);
      return;
    }
    this.tick();
    this.timer = setInterval(() => this.tick(), this.interval * 1000);
  }

  private execDeadline = 0;

  /** The app's pid is still init's fork, before its exec (for at most half a second: then sample anyway). */
  private beforeExec(pid: number): boolean {
    if (this.execDeadline === 0) this.execDeadline = Date.now() + 500;
    if (Date.now() > this.execDeadline) return false;
    try {
      return readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === INIT_COMM;
    } catch {
      return false; // gone already: the first sample says so
    }
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** One sample; also used for the final snapshot after the app exits. */
  tick(): Snapshot {
    const snap = this.sampler.tick();
    if (this.extraEvents.length > 0) snap.events.push(...this.extraEvents.splice(0));
    if (this.attached && this.attachedExit === null) {
      const root = snap.processes.find((p) => p.pid === snap.root);
      if (!root || root.exited) this.attachedExit = root?.exited ?? {};
    }
    this.latest = snap;
    for (const l of [...this.listeners]) l(snap);
    return snap;
  }

  snapshot(): Snapshot | null {
    return this.latest;
  }

  onSnapshot(listener: (s: Snapshot) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  appExit(): ExitInfo | null {
    return this.tree ? this.tree.appExit() : this.attachedExit;
  }

  /** Resolves when the app (run mode) or the attached process has exited. */
  whenAppExits(): Promise<ExitInfo> {
    const tree = this.tree;
    if (tree) return new Promise((resolve) => tree.onAppExit(resolve));
    return new Promise((resolve) => {
      const check = () => {
        if (this.attachedExit) {
          off();
          resolve(this.attachedExit);
        }
      };
      const off = this.onSnapshot(check);
      check();
    });
  }

  writeToApp(data: string): void {
    this.tree?.write(data);
  }

  async sendSignal(target: { pid: number; tid?: number }, signal: number): Promise<SendResult> {
    // The pid as perftop saw it: pidfd_send_signal refuses it if the pid now names another process.
    const startTicks = this.latest?.processes.find((p) => p.pid === target.pid && !p.exited)?.startTicks;
    const res = sendSignal({ ...target, startTicks }, signal);
    // SIGKILL cannot be caught, blocked or ignored: a process that perftop SIGKILLed and that then vanishes with no
    // status from anyone (its own parent reaped it at once) died of it.
    if (res.ok && signalName(signal) === 'SIGKILL') this.killed.set(target.pid, Date.now());
    this.extraEvents.push({
      t: Date.now(),
      pid: target.pid,
      ...(target.tid !== undefined ? { tid: target.tid } : {}),
      kind: 'signal',
      signal: signalName(signal),
      message: res.message,
    });
    return res;
  }

  // ---- profiling (d / p / P and the files view) ----
  private commOf(pid: number): string {
    return this.latest?.processes.find((p) => p.pid === pid)?.comm ?? 'proc';
  }

  heapDump(pid: number): Promise<ProfileActionResult> {
    return this.profiler.heapDump(pid, this.commOf(pid));
  }

  toggleCpuProfile(pid: number): Promise<ProfileActionResult> {
    return this.profiler.toggleCpu(pid, this.commOf(pid));
  }

  togglePerfRecord(pid: number): Promise<ProfileActionResult> {
    return this.profiler.togglePerf(pid, this.commOf(pid));
  }

  profileReport(file: string): Promise<string[]> {
    return this.profiler.report(file);
  }

  /** Stop perf records (their files get written) before the tree goes; run by the app layer on quit. */
  stopProfiling(): Promise<void> {
    return this.profiler.stopAll();
  }

  /** Pids still alive in the latest snapshot: what `q` must end besides whatever init still has. */
  private livePids(): number[] {
    return (this.latest?.processes ?? []).filter((p) => !p.exited).map((p) => p.pid);
  }

  quit(): Promise<void> {
    if (!this.quitting) {
      this.quitting = (async () => {
        await this.profiler.stopAll(); // perf writes its file while the target still runs
        if (this.tree) await this.tree.endTree(this.livePids());
        this.stop();
      })();
    }
    return this.quitting;
  }

  close(): void {
    this.profiler.close();
    this.stop();
    this.sampler.close();
    this.term?.dispose();
  }
}
