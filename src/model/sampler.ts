// One tick: probe /proc, read the shim's segments, derive rates, events and hazards, and produce the Snapshot.
// State kept between ticks is per pid (found by pid, dropped when the process is gone) so nothing is rebuilt.
import { decodeCaught, decodeMask, exitFromWaitStatus, maskNumbers, signalName } from '../probe/signals.js';
import type { ProbeResult, RawProcess } from '../probe/types.js';
import type { HistoryRecord, ReadResult } from '../native/types.js';
import { PROFILING_OFF } from './snapshot.js';
import type { AllocCounters, ExitInfo, Hazard, ProcessInfo, Profiling, Snapshot, SnapshotEvent, ThreadInfo } from './snapshot.js';
import { caughtFromHistory, evaluateHazards, explainDeath, heapProfileShared, sharedHeapProfiles, type HazardInput } from './hazards.js';
import { cpuPercent, perSecond } from './rates.js';
import { copyCounters, groupSegments, segmentFileIds } from './segments.js';
import type { PidSegments } from './segments.js';

export interface SamplerDeps {
  probe: { tick(): ProbeResult; close(): void };
  /** Seconds; copied into each Snapshot. */
  interval: number;
  /** The app's pid (run mode) or the attached pid; null until known. It stays listed after it exits. */
  rootPid: () => number | null;
  exitOf?: (pid: number) => ExitInfo | undefined;
  segments?: { read(): ReadResult; remove(file: string): void; close?(): void };
  /** Why a process has no counters; `segment`: its image has a segment that does not count (it was not selected). */
  allocNote?: (pid: number, segment: boolean, comm: string) => string;
  profiling?: (pid: number) => Profiling;
  /** How long an exited process stays listed (ms); default 5000. */
  keepExitedMs?: number;
  /** The root's command line as perftop started it: names a root that exited before the first tick. */
  rootArgv?: string[];
  /** The root's parent when perftop started it (its init): for a root that exited before the first tick. */
  rootPpid?: number;
  /** A death perftop knows it caused (it sent SIGKILL): when nothing else reports the status. */
  killedBy?: (pid: number) => ExitInfo | undefined;
  /** Resolves "0x1234 (app)" in shim history to a function name (see src/probe/symbolizer.ts). */
  symbolize?: (pid: number, text: string) => string;
}

/** Shim history kept per pid for the hazard rules (across its images; the ring in the segment is smaller). */
const HISTORY_CAP = 256;

/** comm of perftop's init, and of the app's pid between init's fork and its exec of the app. */
export const INIT_COMM = 'perftop-init';

interface PidState {
  comm: string;
  argv: string[];
  execs: number;
  starttime: number;
  gen: number | null;
  mono: number;
  ticks: number;
  threadTicks: Map<number, number>;
  /** The current image's last counters, per thread too: a thread past its slot's fold keeps its last row. */
  allocs: { gen: number; total: number; peak: number; threads: Map<number, AllocCounters> } | null;
  lastAlloc: AllocCounters | null;
  exitEmitted: boolean;
  hazards: Set<string>;
  history: HistoryRecord[];
  info: ProcessInfo | null;
  /** What the hazard rules saw at the last live sample: the starting point for explaining a death. */
  lastInput: HazardInput | null;
  /** Why it died, once it has (explainDeath). */
  death: Hazard | null;
}

interface Ghost {
  info: ProcessInfo;
  since: number;
}

export class Sampler {
  private seq = 0;
  private readonly states = new Map<number, PidState>();
  private readonly ghosts = new Map<number, Ghost>();
  private readonly lastHistorySeq = new Map<string, number>();
  private readonly errorsSeen = new Set<string>();
  private readonly keepExitedMs: number;

  constructor(private readonly deps: SamplerDeps) {
    this.keepExitedMs = deps.keepExitedMs ?? 5000;
  }

  tick(): Snapshot {
    const r = this.deps.probe.tick();
    // After the probe: a process the probe saw exit has written everything it will write to its segment.
    const read = this.deps.segments?.read() ?? { segments: [], errors: [] };
    const events: SnapshotEvent[] = [];
    const segs = groupSegments(read.segments);
    this.lastSegs = segs;
    const toRemove = new Set<string>();

    for (const err of read.errors) {
      const key = `${err.file}\0${err.message}`;
      if (this.errorsSeen.has(key)) continue;
      this.errorsSeen.add(key);
      events.push({ t: r.t, pid: segmentFileIds(err.file)?.pid ?? 0, kind: 'error', file: err.file, message: err.message });
    }

    // Gone first: a pid can vanish and reappear (reused) in the same tick.
    const present = new Set(r.processes.map((p) => p.pid));
    for (const pid of r.detached) this.states.delete(pid);
    const gone = new Set(r.vanished);
    for (const pid of this.states.keys()) if (!present.has(pid)) gone.add(pid);
    for (const pid of gone) {
      const st = this.states.get(pid);
      if (!st) continue;
      this.emitHistory(pid, segs.get(pid), st, events);
      const exit = this.deps.exitOf?.(pid) ?? st.info?.exited ?? this.lastKnownExit(pid, segs.get(pid));
      const why = st.exitEmitted ? null : this.explainExit(pid, exit, st, segs.get(pid));
      if (!st.exitEmitted) events.push(exitEvent(r.t, pid, st.comm, exit, why));
      if (st.info) {
        const hazards = why ? [why] : st.info.exited ? st.info.hazards : [];
        this.ghosts.set(pid, {
          info: { ...st.info, exited: exit, state: 'X', cpu: 0, threads: [], threadCount: 0, alloc: finalAlloc(segs.get(pid), st.allocs?.gen, st.allocs?.peak) ?? st.lastAlloc, hazards },
          since: r.t,
        });
      }
      this.dropSegments(segs.get(pid), toRemove);
      this.states.delete(pid);
    }

    const live: ProcessInfo[] = [];
    const sharing = sharedHeapProfiles(r.processes);
    for (const raw of r.processes) {
      // perftop-init's child between its fork and its exec of the app: not the app yet (it would be reported as
      // "perftop-init", with a spawn event under that name).
      if (raw.comm === INIT_COMM && !this.states.has(raw.pid)) continue;
      this.ghosts.delete(raw.pid);
      live.push(this.process(raw, r, segs.get(raw.pid), events, toRemove, sharing.get(raw.pid)));
    }

    // Segments of processes never seen by the probe (born and gone between ticks): their history and exit still
    // count; remove them once their owner is known to be dead.
    const rootPid = this.deps.rootPid();
    for (const [pid, ps] of segs) {
      if (present.has(pid) || this.states.has(pid) || gone.has(pid)) continue;
      const exit = this.deps.exitOf?.(pid) ?? segmentExit(ps);
      if (!exit) continue;
      const comm = ps.current.comm || undefined;
      const st = this.newState({ comm: comm ?? '', argv: [], execs: 0, starttime: 0 }, r.mono);
      this.emitHistory(pid, ps, st, events);
      const why = this.explainExit(pid, exit, st, ps);
      if (!this.ghosts.has(pid) && !this.reportedGone.has(pid)) {
        // Born and gone between two samples: its segment is all that saw it, so both ends of its life come from it.
        const argv = pid === rootPid ? this.deps.rootArgv : undefined;
        events.push({ t: r.t, pid, kind: 'spawn', ...(comm ? { comm } : {}), ...(argv ? { argv } : {}) });
        events.push(exitEvent(r.t, pid, comm, exit, why));
      }
      this.reportedGone.add(pid);
      // The root stays in every snapshot: its row is made now, while its final counters are still at hand.
      if (pid === rootPid) this.rootGhost(pid, exit, finalAlloc(ps), r.t, comm, why);
      this.dropSegments(ps, toRemove);
    }

    for (const file of toRemove) this.deps.segments?.remove(file);

    if (rootPid !== null) this.rememberUnseenRoot(rootPid, present, r.t, events);
    for (const [pid, g] of this.ghosts) {
      if (pid !== rootPid && r.t - g.since > this.keepExitedMs) this.ghosts.delete(pid);
      else g.info = { ...g.info, exited: this.deps.exitOf?.(pid) ?? g.info.exited };
    }
    for (const pid of this.ghosts.keys()) this.reportedGone.add(pid);

    return {
      seq: ++this.seq,
      t: r.t,
      root: rootPid ?? live[0]?.pid ?? 0,
      interval: this.deps.interval,
      processes: mergeGhosts(live, [...this.ghosts.values()].map((g) => g.info), rootPid),
      events,
    };
  }

  close(): void {
    this.deps.probe.close();
    this.deps.segments?.close?.();
  }

  /** An exit neither init nor a zombie reported: the shim's record of exit()/_exit, a SIGKILL perftop sent, else
   * `{}` (a signal death its own parent reaped at once). */
  private lastKnownExit(pid: number, ps: PidSegments | undefined): ExitInfo {
    return segmentExit(ps) ?? this.deps.killedBy?.(pid) ?? {};
  }

  /** explainDeath with the freshest facts: the final segment's timers and history over the last live sample (`st`
   * null: a process no sample saw). */
  private explainExit(pid: number, exit: ExitInfo, st: PidState | null, ps: PidSegments | undefined): Hazard | null {
    const history = st?.history ?? [];
    const base: HazardInput = st?.lastInput ?? {
      pid, caught: caughtFromHistory(history), ignored: new Set(), env: {}, leaderExited: false, threads: [],
      timers: null, history: null,
    };
    return explainDeath(exit, { ...base, timers: ps?.current.timers ?? base.timers, history });
  }

  /** Pids whose exit was reported without a probe-side state (short-lived): never reported twice. */
  private readonly reportedGone = new Set<number>();
  private lastSegs = new Map<number, PidSegments>();

  private newState(raw: Pick<RawProcess, 'comm' | 'argv' | 'execs' | 'starttime'>, mono: number): PidState {
    return {
      comm: raw.comm,
      argv: raw.argv,
      execs: raw.execs,
      starttime: raw.starttime,
      gen: null,
      mono,
      ticks: -1,
      threadTicks: new Map(),
      allocs: null,
      lastAlloc: null,
      exitEmitted: false,
      hazards: new Set(),
      history: [],
      info: null,
      lastInput: null,
      death: null,
    };
  }

  /** `heapShared`: the other processes of the tree with this one's HEAPPROFILE. */
  private process(raw: RawProcess, r: ProbeResult, ps: PidSegments | undefined, events: SnapshotEvent[], toRemove: Set<string>, heapShared?: number[]): ProcessInfo {
    const pid = raw.pid;
    let st = this.states.get(pid);
    // A zombie's cmdline reads empty: keep the command line it was seen with, or for a root first seen dead, the
    // one perftop started.
    if (raw.argv.length === 0 && raw.zombie) {
      const known = st?.argv.length ? st.argv : pid === this.deps.rootPid() ? this.deps.rootArgv : undefined;
      if (known) raw = { ...raw, argv: known };
    }
    if (!st) {
      st = this.newState(raw, r.mono);
      this.states.set(pid, st);
      this.reportedGone.delete(pid);
      events.push({ t: r.t, pid, kind: 'spawn', comm: raw.comm, argv: raw.argv });
    }
    // A segment whose image exec'd into one that counts nothing (static, setuid, not matched by --alloc) is history:
    // its counters are not the running image's.
    const seg = ps?.current.execed ? undefined : ps?.current;
    const newGen = seg !== undefined && st.gen !== null && seg.gen > st.gen;
    if (raw.execs !== st.execs || newGen) {
      events.push({ t: r.t, pid, kind: 'exec', comm: raw.comm, argv: raw.argv });
      st.allocs = null; // counters restart with the new image
      st.lastAlloc = null; // and an image that counts nothing must not end with the old image's
    }
    st.comm = raw.comm;
    st.argv = raw.argv;
    st.execs = raw.execs;
    if (seg) st.gen = seg.gen;

    this.emitHistory(pid, ps, st, events);
    // The exec'd-from images' segments stay until the process is gone: the shim takes the first free gen, so one
    // removed now would let a later image of this pid take a lower gen than the running one's.

    const elapsed = r.mono - st.mono;
    const cpu = st.ticks < 0 ? 0 : cpuPercent(st.ticks, raw.ticks, elapsed, r.clkTck);

    // Allocation counters: the current image's segment; per-second rates against the same gen's last sample.
    let alloc: AllocCounters | null = null;
    const threadAlloc = new Map<number, AllocCounters>();
    if (seg?.counting) {
      const prev = st.allocs && st.allocs.gen === seg.gen ? st.allocs : null;
      alloc = copyCounters(seg.total, perSecond(prev?.total, seg.total.allocs, elapsed));
      // The segment's process peak is published in steps (exact only for a single-threaded process): it and the
      // live bytes of every sample are lower bounds, so the peak shown is the highest of them and never goes down.
      alloc.peakBytes = Math.max(prev?.peak ?? 0, alloc.peakBytes, alloc.liveBytes);
      const next = { gen: seg.gen, total: seg.total.allocs, peak: alloc.peakBytes, threads: new Map<number, AllocCounters>() };
      for (const th of seg.threads) {
        const c = copyCounters(th.counters, perSecond(prev?.threads.get(th.tid)?.allocs, th.counters.allocs, elapsed));
        threadAlloc.set(th.tid, c);
        next.threads.set(th.tid, c);
      }
      // A thread's slot is folded into the total by its TLS destructor, a moment before the kernel drops the thread:
      // one still listed keeps the counters it was last seen with, instead of reading as "not counted".
      for (const th of raw.threads) {
        const last = prev?.threads.get(th.tid);
        if (!last || threadAlloc.has(th.tid)) continue;
        const kept = { ...last, allocsPerSec: 0 };
        threadAlloc.set(th.tid, kept);
        next.threads.set(th.tid, kept);
      }
      st.allocs = next;
      st.lastAlloc = alloc;
    } else if (raw.zombie && st.lastAlloc) {
      alloc = { ...st.lastAlloc, allocsPerSec: 0 }; // the segment went after the final read; keep the totals
    }

    const threads: ThreadInfo[] = raw.threads.map((th) => {
      const prevTicks = st.threadTicks.get(th.tid);
      return {
        tid: th.tid,
        comm: th.comm,
        state: th.state,
        cpu: cpuPercent(prevTicks, th.ticks, elapsed, r.clkTck),
        blocked: decodeMask(th.sigBlk),
        pending: decodeMask(th.sigPnd),
        wchan: th.wchan,
        alloc: threadAlloc.get(th.tid) ?? null,
      };
    });
    st.threadTicks = new Map(raw.threads.map((th) => [th.tid, th.ticks]));
    st.ticks = raw.ticks;
    st.mono = r.mono;

    let exited: ExitInfo | null = null;
    if (raw.zombie) {
      // init reports what it reaped; a process its own parent reaps is seen here as a zombie, with its status.
      exited = this.deps.exitOf?.(pid) ?? (raw.exitStatus !== null ? exitFromWaitStatus(raw.exitStatus) : this.lastKnownExit(pid, ps));
      if (!st.exitEmitted) {
        st.exitEmitted = true;
        st.death = this.explainExit(pid, exited, st, ps);
        events.push(exitEvent(r.t, pid, raw.comm, exited, st.death));
        // Dead: the segment holds its final counters, already copied above.
        this.dropSegments(ps, toRemove);
      }
    }

    const caught = new Set(maskNumbers(raw.sigCgt));
    const ignored = new Set(maskNumbers(raw.sigIgn));
    const input: HazardInput = {
      pid,
      caught,
      ignored,
      env: raw.env,
      leaderExited: raw.leaderExited,
      threads: raw.threads,
      timers: seg?.timers ?? null,
      history: seg ? st.history : null,
      now: r.t,
      cpuUs: (raw.ticks * 1e6) / r.clkTck,
    };
    if (!raw.zombie) st.lastInput = input;
    const shared = raw.zombie ? null : heapProfileShared(input, heapShared);
    const hazards = raw.zombie ? (st.death ? [st.death] : []) : [...evaluateHazards(input), ...(shared ? [shared] : [])];
    const ids = new Set(hazards.map((h) => h.id));
    for (const h of hazards) {
      if (!st.hazards.has(h.id)) events.push({ t: r.t, pid, kind: 'hazard', hazard: h.id, severity: h.severity, message: h.message });
    }
    st.hazards = ids;

    const info: ProcessInfo = {
      pid,
      ppid: raw.ppid,
      comm: raw.comm,
      argv: raw.argv,
      state: raw.state,
      leaderExited: raw.leaderExited,
      exited,
      cpu,
      rss: raw.rssBytes,
      threadCount: raw.threadCount,
      signals: { caught: decodeCaught(raw.sigCgt), ignored: decodeMask(raw.sigIgn), pending: decodeMask(raw.shdPnd) },
      threads,
      alloc,
      profiling: this.deps.profiling?.(pid) ?? PROFILING_OFF,
      hazards,
      depth: raw.depth,
      startTicks: raw.starttime,
    };
    if (alloc === null) info.allocNote = this.deps.allocNote?.(pid, seg !== undefined, raw.comm) ?? (this.deps.segments ? 'not counted: no shim segment' : 'not counted');
    st.info = info;
    return info;
  }

  /** One disposition event per new shim record, by seq per segment file; records also feed the hazard rules. */
  private emitHistory(pid: number, ps: PidSegments | undefined, st: PidState, events: SnapshotEvent[]): void {
    if (!ps) return;
    for (const seg of [...ps.older, ps.current]) {
      const last = this.lastHistorySeq.get(seg.file) ?? -1;
      let max = last;
      for (const rec of seg.history) {
        if (rec.seq <= last) continue;
        max = Math.max(max, rec.seq);
        const named = this.named(pid, rec);
        st.history.push(named);
        // An exec is an 'exec' event (from the probe or the new image's segment); its record stays in the history.
        if (rec.kind !== 'exec') events.push(dispositionEvent(pid, named));
      }
      this.lastHistorySeq.set(seg.file, max);
    }
    if (st.history.length > HISTORY_CAP) st.history.splice(0, st.history.length - HISTORY_CAP);
  }

  /** A root that came and went between two ticks still belongs in every snapshot, with its exit. */
  private rememberUnseenRoot(pid: number, present: Set<number>, t: number, events: SnapshotEvent[]): void {
    if (present.has(pid) || this.ghosts.has(pid) || this.states.has(pid)) return;
    const exit = this.deps.exitOf?.(pid);
    if (!exit) return;
    const comm = this.rootComm();
    const ps = this.lastSegs.get(pid);
    const why = ps ? this.explainExit(pid, exit, null, ps) : null;
    if (!this.reportedGone.has(pid)) events.push(exitEvent(t, pid, comm, exit, why));
    this.reportedGone.add(pid);
    this.rootGhost(pid, exit, finalAlloc(ps), t, comm, why);
  }

  private rootComm(): string {
    return ((this.deps.rootArgv ?? [])[0] ?? '').split('/').pop()!.slice(0, 15);
  }

  private rootGhost(pid: number, exit: ExitInfo, alloc: AllocCounters | null, t: number, comm = this.rootComm(), why: Hazard | null = null): void {
    const argv = this.deps.rootArgv ?? [];
    this.ghosts.set(pid, {
      since: t,
      info: {
        pid, ppid: this.deps.rootPpid ?? 0, comm, argv, state: 'X', leaderExited: false, exited: exit, cpu: 0, rss: 0, threadCount: 0,
        signals: { caught: [], ignored: [], pending: [] }, threads: [], alloc,
        ...(alloc ? {} : { allocNote: 'not counted: exited before the first sample, without a shim segment' }),
        profiling: PROFILING_OFF, hazards: why ? [why] : [], depth: 0,
      },
    });
  }

  private named(pid: number, rec: HistoryRecord): HistoryRecord {
    const sym = this.deps.symbolize;
    if (!sym) return rec;
    return { ...rec, old: sym(pid, rec.old), new: sym(pid, rec.new), caller: sym(pid, rec.caller) };
  }

  private dropSegments(ps: PidSegments | undefined, toRemove: Set<string>): void {
    if (!ps) return;
    for (const s of [...ps.older, ps.current]) {
      toRemove.add(s.file);
      this.lastHistorySeq.delete(s.file);
    }
  }
}

/** An exit event, with why the process died when the facts tell (explainDeath). */
function exitEvent(t: number, pid: number, comm: string | undefined, exit: ExitInfo, why: Hazard | null): SnapshotEvent {
  const ev: SnapshotEvent = { t, pid, kind: 'exit', exit };
  if (comm !== undefined) ev.comm = comm;
  if (why) Object.assign(ev, { hazard: why.id, severity: why.severity, message: why.message });
  return ev;
}

/** The exit the shim saw the current image make (exit() or main's return), when nothing better knows. */
function segmentExit(ps: PidSegments | undefined): ExitInfo | undefined {
  const st = ps?.current.exitStatus;
  return st === null || st === undefined ? undefined : exitFromWaitStatus(st);
}

function dispositionEvent(pid: number, rec: HistoryRecord): SnapshotEvent {
  const ev: SnapshotEvent = { t: rec.t, pid, tid: rec.tid, kind: 'disposition', action: rec.new, old: rec.old, caller: rec.caller };
  if (rec.signal > 0) ev.signal = signalName(rec.signal);
  // What was called (and on what, for timers and exec), so a reader need not guess from the action text.
  ev.message = rec.detail ? `${rec.kind} ${rec.detail}` : rec.kind;
  if (rec.flags.length > 0) ev.message += ` [${rec.flags.join('|')}]`;
  return ev;
}

/**
 * Exited processes stay listed for a while: each goes right after its parent's subtree when the parent is still
 * listed (one level below it), otherwise at depth 0 (the root first, others last): tree order is kept.
 */
export function mergeGhosts(live: ProcessInfo[], ghosts: ProcessInfo[], rootPid: number | null): ProcessInfo[] {
  const out = [...live];
  const back: ProcessInfo[] = [];
  // Shallowest first, so an exited child finds its exited parent already placed and keeps its depth.
  for (const g of [...ghosts].sort((a, b) => a.depth - b.depth || a.pid - b.pid)) {
    const at = out.findIndex((p) => p.pid === g.ppid);
    if (at < 0) {
      if (g.pid === rootPid) out.unshift({ ...g, depth: 0 });
      else back.push({ ...g, depth: 0 });
      continue;
    }
    const depth = out[at].depth;
    let end = at + 1;
    while (end < out.length && out[end].depth > depth) end++;
    out.splice(end, 0, { ...g, depth: depth + 1 });
  }
  return [...out, ...back];
}

/** A gone process's counters from its last read segment: the totals the shim holds after the process's exit
 * (exited threads folded in), which are later than anything a tick saw while it ran. Only the image the sampler
 * was showing (same gen), or any image when none was shown; `peak`: the highest peak shown for it so far. */
function finalAlloc(ps: PidSegments | undefined, gen?: number, peak = 0): AllocCounters | null {
  // execed: that image was replaced by one that counts nothing; its counters are not the process's last ones.
  if (!ps || ps.current.execed || !ps.current.counting || (gen !== undefined && ps.current.gen !== gen)) return null;
  const c = copyCounters(ps.current.total, 0);
  c.peakBytes = Math.max(c.peakBytes, c.liveBytes, peak);
  return c;
}
