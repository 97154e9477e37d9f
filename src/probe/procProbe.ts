// Reads the process tree below one pid from /proc, once per tick, in the manner of htop's LinuxProcessTable.c:
// entries are found by pid and reused (mark and sweep), stat/status stay open and are re-read with pread, and
// static facts (argv, environ) are read once per image. All parsing is in parse.ts and tree.ts.
import fs from 'node:fs';
import { parseAuxv, parseChildren, parseCmdline, parseEnviron, parseStat, parseStatus, parseSyscall, parseWchan } from './parse.js';
import type { ProfilerEnv, StatFields, StatusFields } from './parse.js';
import { FdBudget, KeptFile, KeptFiles, readOnce } from './keptFile.js';
import { childrenFromPpids, classifyLiveness, treeOrder } from './tree.js';
import type { Probe, ProbeResult, RawProcess, RawThread } from './types.js';

export interface ProcProbeOptions {
  rootPid: number;
  /** false in run mode: the root is perftop's init and is not reported; its children are depth 0. */
  includeRoot: boolean;
  /** Default "/proc"; tests point it at recorded text. */
  procRoot?: string;
  /** Most fds kept open at once (default 1024); past it files are opened per read. */
  maxKeptFds?: number;
}

interface ThreadEntry {
  tid: number;
  stat: KeptFile;
  status: KeptFile;
  updated: boolean;
}

interface ProcEntry {
  pid: number;
  starttime: number;
  updated: boolean;
  stat: KeptFile;
  status: KeptFile;
  comm: string;
  exe: string | null;
  argv: string[];
  env: ProfilerEnv;
  execs: number;
  threads: Map<number, ThreadEntry>;
}

function hostConstants(): { clkTck: number; pageSize: number } {
  try {
    const a = parseAuxv(fs.readFileSync('/proc/self/auxv'));
    return { clkTck: a.clkTck ?? 100, pageSize: a.pageSize ?? 4096 };
  } catch {
    return { clkTck: 100, pageSize: 4096 };
  }
}

const numericNames = (dir: string): number[] => {
  try {
    return fs
      .readdirSync(dir)
      .filter((n) => /^\d+$/.test(n))
      .map(Number)
      .sort((a, b) => a - b);
  } catch {
    return [];
  }
};

export class ProcProbe implements Probe {
  private readonly root: string;
  private readonly entries = new Map<number, ProcEntry>();
  private readonly budget: FdBudget;
  private readonly clkTck: number;
  private readonly pageSize: number;
  /** null until the first time the root's task dir is seen; then whether children files exist. */
  private childrenFiles: boolean | null = null;
  /** Task ids per pid, read once per tick. */
  private tasksThisTick = new Map<number, number[]>();
  /** wchan and children files, kept open while they are read every tick. */
  private readonly perTask: KeptFiles;

  constructor(private readonly opts: ProcProbeOptions) {
    this.root = opts.procRoot ?? '/proc';
    this.budget = new FdBudget(opts.maxKeptFds ?? 1024);
    this.perTask = new KeptFiles(this.budget);
    ({ clkTck: this.clkTck, pageSize: this.pageSize } = hostConstants());
  }

  /** Fds currently kept open (for tests and the bench: must stay bounded and drop to 0 on close). */
  get keptFds(): number {
    return this.budget.inUse;
  }

  tick(): ProbeResult {
    const t = Date.now();
    const mono = performance.now();
    this.tasksThisTick = new Map();
    for (const e of this.entries.values()) e.updated = false;
    const vanished: number[] = [];
    const childrenOf = this.childrenSource();
    const processes: RawProcess[] = [];
    for (const node of treeOrder(this.opts.rootPid, this.opts.includeRoot, childrenOf)) {
      const p = this.readProcess(node.pid, node.depth, vanished);
      if (p) processes.push(p);
    }
    const detached: number[] = [];
    for (const [pid, e] of this.entries) {
      if (e.updated) continue;
      this.closeEntry(e);
      this.entries.delete(pid);
      if (e.starttime === -1) continue; // listed as a child but gone before it could be read: never reported
      // Alive under the same identity but outside the tree (attach mode: re-parented to pid 1) is not an exit.
      const st = parseStat(readOnce(`${this.root}/${pid}/stat`) ?? '');
      if (st && st.starttime === e.starttime && st.state !== 'Z' && st.state !== 'X') detached.push(pid);
      else vanished.push(pid);
    }
    this.perTask.sweep();
    return { t, mono, clkTck: this.clkTck, pageSize: this.pageSize, processes, vanished, detached };
  }

  close(): void {
    for (const e of this.entries.values()) this.closeEntry(e);
    this.entries.clear();
    this.perTask.close();
  }

  private tasksOf(pid: number): number[] {
    let tids = this.tasksThisTick.get(pid);
    if (!tids) {
      tids = numericNames(`${this.root}/${pid}/task`);
      this.tasksThisTick.set(pid, tids);
    }
    return tids;
  }

  /** children files of every task (a thread can be the parent); a full scan by PPid where they do not exist. */
  private childrenSource(): (pid: number) => number[] {
    const rootPid = this.opts.rootPid;
    if (this.childrenFiles === null && fs.existsSync(`${this.root}/${rootPid}/task/${rootPid}`)) {
      this.childrenFiles = fs.existsSync(`${this.root}/${rootPid}/task/${rootPid}/children`);
    }
    if (this.childrenFiles !== false) {
      return (pid) => {
        const out: number[] = [];
        for (const tid of this.tasksOf(pid)) out.push(...parseChildren(this.perTask.read(`${this.root}/${pid}/task/${tid}/children`) ?? ''));
        return out;
      };
    }
    const pairs: Array<{ pid: number; ppid: number }> = [];
    for (const pid of numericNames(this.root)) {
      const st = parseStat(readOnce(`${this.root}/${pid}/stat`) ?? '');
      if (st) pairs.push({ pid, ppid: st.ppid });
    }
    const byParent = childrenFromPpids(pairs);
    return (pid) => byParent.get(pid) ?? [];
  }

  private newEntry(pid: number): ProcEntry {
    return {
      pid,
      starttime: -1,
      updated: false,
      stat: new KeptFile(`${this.root}/${pid}/stat`, this.budget),
      status: new KeptFile(`${this.root}/${pid}/status`, this.budget),
      comm: '',
      exe: null,
      argv: [],
      env: {},
      execs: 0,
      threads: new Map(),
    };
  }

  private closeEntry(e: ProcEntry): void {
    e.stat.close();
    e.status.close();
    for (const th of e.threads.values()) {
      th.stat.close();
      th.status.close();
    }
  }

  private readProcess(pid: number, depth: number, vanished: number[]): RawProcess | null {
    let e = this.entries.get(pid);
    if (!e) {
      e = this.newEntry(pid);
      this.entries.set(pid, e);
    }
    // A kept fd of a dead process reads nothing; one retry opens the path afresh (the pid may have been reused).
    let st = parseStat(e.stat.read() ?? '') ?? parseStat(e.stat.read() ?? '');
    if (!st) return null;
    if (e.starttime !== -1 && st.starttime !== e.starttime) {
      // Same pid, another process: the old one is gone; start over with a fresh entry.
      this.closeEntry(e);
      vanished.push(pid);
      e = this.newEntry(pid);
      this.entries.set(pid, e);
      st = parseStat(e.stat.read() ?? '');
      if (!st) return null;
    }
    const status = parseStatus(e.status.read() ?? '');
    const threads = this.readThreads(e, st, status);
    const live = classifyLiveness(pid, st.state, threads);
    // After the leader's exit its own cmdline, environ and exe read empty; a live thread's still show the process's.
    this.refreshStatic(e, st, live.zombie ? null : live.leaderExited ? (live.liveTid !== null ? `${pid}/task/${live.liveTid}` : null) : `${pid}`);
    e.starttime = st.starttime;
    e.updated = true;

    let rssBytes = 0;
    let state = st.state;
    if (live.leaderExited && live.liveTid !== null) {
      // The leader's status has no Vm* lines now; a live task's status still reports the group's RSS.
      const tid = live.liveTid;
      rssBytes = parseStatus(e.threads.get(tid)?.status.read() ?? '').rssBytes ?? 0;
      state = threads.find((th) => th.tid === tid)?.state ?? state;
    } else if (!live.zombie) {
      rssBytes = status.rssBytes ?? st.rssPages * this.pageSize;
    }
    return {
      pid,
      ppid: st.ppid,
      depth,
      comm: e.comm,
      argv: e.argv,
      exe: e.exe,
      state,
      leaderExited: live.leaderExited,
      zombie: live.zombie,
      exitStatus: live.zombie ? st.exitStatus : null,
      ticks: st.ticks,
      starttime: st.starttime,
      rssBytes,
      // The tasks listed, not status's Threads: read at another instant, a thread born or gone in between would make
      // the count disagree with the list shown beside it.
      threadCount: threads.length || status.threads,
      sigPnd: status.sigPnd,
      shdPnd: status.shdPnd,
      sigBlk: status.sigBlk,
      sigIgn: status.sigIgn,
      sigCgt: status.sigCgt,
      env: e.env,
      execs: e.execs,
      threads,
    };
  }

  /** procStat/procStatus: the process's own files, read just before; a process whose only task is its leader has
   * the same text in task/PID, so its thread row comes from them (half the reads for the common single-threaded
   * process). */
  private readThreads(e: ProcEntry, procStat: StatFields, procStatus: StatusFields): RawThread[] {
    const out: RawThread[] = [];
    for (const th of e.threads.values()) th.updated = false;
    const tids = this.tasksOf(e.pid);
    const leaderOnly = tids.length === 1 && tids[0] === e.pid;
    for (const tid of tids) {
      let st: StatFields | null;
      let status: StatusFields;
      if (leaderOnly) {
        st = procStat;
        status = procStatus;
      } else {
        let th = e.threads.get(tid);
        if (!th) {
          const dir = `${this.root}/${e.pid}/task/${tid}`;
          th = { tid, stat: new KeptFile(`${dir}/stat`, this.budget), status: new KeptFile(`${dir}/status`, this.budget), updated: false };
          e.threads.set(tid, th);
        }
        st = parseStat(th.stat.read() ?? '');
        if (!st) continue;
        th.updated = true;
        status = parseStatus(th.status.read() ?? '');
      }
      const dir = `${this.root}/${e.pid}/task/${tid}`;
      const sleeping = st.state === 'S' || st.state === 'D';
      const wchan = sleeping ? parseWchan(this.perTask.read(`${dir}/wchan`) ?? '') : '';
      out.push({
        tid,
        comm: st.comm,
        state: st.state,
        ticks: st.ticks,
        sigBlk: status.sigBlk,
        sigPnd: status.sigPnd,
        wchan,
        // Only a sleeping thread's syscall matters (is it parked in poll?), and only when wchan does not already
        // say where it sleeps: the syscall file costs several times a stat read (it samples the task's registers).
        syscall: sleeping && wchan === '' ? parseSyscall(readOnce(`${dir}/syscall`) ?? '') : null,
      });
    }
    for (const [tid, th] of e.threads) {
      if (th.updated) continue;
      th.stat.close();
      th.status.close();
      e.threads.delete(tid);
    }
    return out;
  }

  /**
   * argv and environ are read on first sight and again after an exec, detected by a changed comm or exe. `from`: the
   * /proc entry that still has them (`PID`, or `PID/task/TID` of a live thread once the leader has exited); null
   * for a zombie, whose cached ones stay.
   */
  private refreshStatic(e: ProcEntry, st: StatFields, from: string | null): void {
    const first = e.starttime === -1;
    let exe: string | null = null;
    try {
      exe = fs.readlinkSync(`${this.root}/${from ?? e.pid}/exe`);
    } catch {
      exe = null; // ENOENT after the leader exits, EACCES for others' processes: keep what we had
    }
    const exeChanged = exe !== null && e.exe !== null && exe !== e.exe;
    const commChanged = !first && st.comm !== e.comm;
    if (exe !== null) e.exe = exe;
    e.comm = st.comm;
    if (!first && !exeChanged && !commChanged) return;
    if (from === null) return;
    const argv = parseCmdline(readOnce(`${this.root}/${from}/cmdline`) ?? '');
    // A rename through prctl(PR_SET_NAME) changes comm only; an exec changes the image (exe) or argv.
    if (!first && (exeChanged || argv.join('\0') !== e.argv.join('\0'))) e.execs++;
    if (argv.length > 0 || first) e.argv = argv;
    const env = readOnce(`${this.root}/${from}/environ`);
    if (env !== null) e.env = parseEnviron(env);
  }
}
