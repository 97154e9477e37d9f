// Which shim segment describes a process now. Rule: a pid has one segment per image (gen bumps at each exec);
// the counters shown are the newest gen's (the running image), never a sum: the earlier images' memory is gone.
// Earlier gens stay (their history holds the exec records) until the process is gone: the shim takes the first free
// gen, so removing one early would let a later image reuse it and sort below the image it replaced.
import type { RawCounters, SegmentData } from '../native/types.js';

export interface PidSegments {
  current: SegmentData;
  /** Older gens of the same pid, oldest first. */
  older: SegmentData[];
}

export function groupSegments(segments: readonly SegmentData[]): Map<number, PidSegments> {
  const byPid = new Map<number, SegmentData[]>();
  for (const s of segments) {
    const list = byPid.get(s.pid);
    if (list) list.push(s);
    else byPid.set(s.pid, [s]);
  }
  const out = new Map<number, PidSegments>();
  for (const [pid, list] of byPid) {
    list.sort((a, b) => a.gen - b.gen);
    out.set(pid, { current: list[list.length - 1], older: list.slice(0, -1) });
  }
  return out;
}

/** pid and gen from a segment file name (perftop-<session>-<pid>-<gen>), for error events. */
export function segmentFileIds(file: string): { pid: number; gen: number } | null {
  const m = /-(\d+)-(\d+)$/.exec(file);
  return m ? { pid: Number(m[1]), gen: Number(m[2]) } : null;
}

export function copyCounters(c: RawCounters, allocsPerSec: number) {
  return {
    allocs: c.allocs,
    frees: c.frees,
    allocBytes: c.allocBytes,
    freeBytes: c.freeBytes,
    liveBytes: c.liveBytes,
    peakBytes: c.peakBytes,
    allocsPerSec,
  };
}
