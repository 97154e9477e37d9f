// What the signals view says about one process: caught / ignored / pending / blocked-per-thread, with what
// changed since the previous snapshot. Pure, so it is tested on literal snapshots.
import type { ProcessInfo, SnapshotEvent } from '../model/snapshot.js';

export interface SignalMark {
  name: string;
  /** New in this set since the previous snapshot of the same pid. */
  changed: boolean;
}

export interface BlockedEntry {
  name: string;
  tids: number[];
  comms: string[];
  threads: number;
  changed: boolean;
}

export interface PendingEntry {
  name: string;
  /** 'process' for shared pending, else the tids it is pending on. */
  where: 'process' | number[];
}

export interface SignalSummary {
  caught: SignalMark[];
  ignored: SignalMark[];
  pending: PendingEntry[];
  blocked: BlockedEntry[];
  /** Signals that left the caught or ignored set since the previous snapshot ("SIGINT no longer caught"). */
  dropped: string[];
}

function marks(now: readonly string[], before: readonly string[] | undefined): SignalMark[] {
  const prev = new Set(before ?? now);
  return now.map((name) => ({ name, changed: !prev.has(name) }));
}

function blockedMap(p: ProcessInfo): Map<string, { tids: number[]; comms: string[] }> {
  const m = new Map<string, { tids: number[]; comms: string[] }>();
  for (const t of p.threads) {
    for (const s of t.blocked) {
      const e = m.get(s) ?? { tids: [], comms: [] };
      e.tids.push(t.tid);
      if (!e.comms.includes(t.comm)) e.comms.push(t.comm);
      m.set(s, e);
    }
  }
  return m;
}

export function signalSummary(p: ProcessInfo, prev?: ProcessInfo): SignalSummary {
  const caught = marks(p.signals.caught, prev?.signals.caught);
  const ignored = marks(p.signals.ignored, prev?.signals.ignored);
  const dropped = prev
    ? [
        ...prev.signals.caught.filter((s) => !p.signals.caught.includes(s)).map((s) => `${s} no longer caught`),
        ...prev.signals.ignored.filter((s) => !p.signals.ignored.includes(s)).map((s) => `${s} no longer ignored`),
      ]
    : [];
  const pending: PendingEntry[] = p.signals.pending.map((name) => ({ name, where: 'process' }));
  const perThread = new Map<string, number[]>();
  for (const t of p.threads) for (const s of t.pending) perThread.set(s, [...(perThread.get(s) ?? []), t.tid]);
  for (const [name, tids] of perThread) pending.push({ name, where: tids });
  const before = prev ? blockedMap(prev) : undefined;
  const threads = p.threads.length || p.threadCount;
  const blocked = [...blockedMap(p)].map(([name, e]) => ({
    name,
    tids: e.tids,
    comms: e.comms,
    threads,
    changed: before ? before.get(name)?.tids.length !== e.tids.length : false,
  }));
  return { caught, ignored, pending, blocked, dropped };
}

/** "blocked in 1/3 threads: blocker" or "blocked in all 3 threads". */
export function blockedText(b: BlockedEntry): string {
  if (b.tids.length >= b.threads) return b.threads === 1 ? 'blocked in its only thread' : `blocked in all ${b.threads} threads`;
  const names = b.comms.slice(0, 3).join(', ') + (b.comms.length > 3 ? ', …' : '');
  return `blocked in ${b.tids.length}/${b.threads} threads: ${names}`;
}

export function pendingText(e: PendingEntry): string {
  return e.where === 'process' ? `${e.name} (process)` : `${e.name} (thread ${e.where.join(', ')})`;
}

/** "handler on_usr1" → "on_usr1"; SIG_DFL, SIG_IGN and timer states ("armed 10ms") → undefined. */
export function handlerName(action: string | undefined): string | undefined {
  return /^handler\s+(.+)$/.exec(action?.trim() ?? '')?.[1];
}

/** A sigaction/signal record (as opposed to a timer or exec record that happens to name a signal). */
export function isDispositionAction(action: string | undefined): boolean {
  return /^(SIG_DFL|SIG_IGN|handler\s+.+)$/.test(action?.trim() ?? '');
}

/**
 * One line per record of the shim's history for this pid, newest first. Signal records read
 * "SIGUSR1 → handler on_usr1 (was SIG_DFL) by main"; timer and exec records carry their call in `message`
 * ("setitimer ITIMER_PROF → armed 10ms by ProfilerStart", "exec /bin/sleep by shell_execve").
 */
export function dispositionLines(events: readonly SnapshotEvent[], pid: number, max: number): string[] {
  const out: string[] = [];
  for (let i = events.length - 1; i >= 0 && out.length < max; i--) {
    const e = events[i];
    if (e.kind !== 'disposition' || e.pid !== pid) continue;
    out.push(dispositionText(e));
  }
  return out;
}

export function dispositionText(e: SnapshotEvent): string {
  const what = isDispositionAction(e.action) && e.signal
    ? `${e.signal} → ${e.action}${e.old ? ` (was ${e.old})` : ''}`
    : `${e.message ?? e.signal ?? 'change'}${e.action ? ` → ${e.action}` : ''}`;
  const by = e.caller ? ` by ${e.caller}` : '';
  const tid = e.tid && e.tid !== e.pid ? ` [tid ${e.tid}]` : '';
  return `${what}${by}${tid}`;
}

/**
 * A fork-only child calls no sigaction itself: its handlers came from its parent with the fork. So when `pid` has
 * no history of its own, the nearest ancestor (by ppid, within the snapshot) that has some answers "who set
 * them". A process with an exec record of its own has history, so an exec'd image never borrows its parent's.
 */
export function inheritedDispositions(events: readonly SnapshotEvent[], processes: ReadonlyArray<Pick<ProcessInfo, 'pid' | 'ppid' | 'comm'>>,
  pid: number, max: number): { from: { pid: number; comm: string }; lines: string[] } | null {
  if (dispositionLines(events, pid, 1).length > 0) return null;
  const byPid = new Map(processes.map((p) => [p.pid, p]));
  const seen = new Set<number>([pid]);
  for (let cur = byPid.get(pid); cur && !seen.has(cur.ppid); ) {
    seen.add(cur.ppid);
    const parent = byPid.get(cur.ppid);
    if (!parent) return null;
    const lines = dispositionLines(events, parent.pid, max);
    if (lines.length > 0) return { from: { pid: parent.pid, comm: parent.comm }, lines };
    cur = parent;
  }
  return null;
}
