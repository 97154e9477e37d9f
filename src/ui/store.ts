// History the views need but a Snapshot does not carry: the previous snapshot (for "changed"), a rolling event
// log (a snapshot only has events since the last tick), per-pid allocation series for sparklines, and the dump
// files seen. Plain class, no React; rows that vanish are swept, as htop sweeps rows a scan did not touch.
import type { Snapshot, SnapshotEvent } from '../model/snapshot.js';

export interface AllocSeries {
  rate: number[];
  live: number[];
}

export interface DumpFile {
  t: number;
  pid: number;
  file: string;
  size?: number;
}

export class SnapshotStore {
  current: Snapshot | null = null;
  previous: Snapshot | null = null;
  readonly events: SnapshotEvent[] = [];
  readonly files: DumpFile[] = [];
  private readonly series = new Map<string, AllocSeries & { seen: number }>();
  private tick = 0;

  constructor(readonly historyLength = 32, readonly eventLimit = 500) {}

  push(s: Snapshot): void {
    if (this.current && s.seq === this.current.seq) return; // the same tick delivered twice
    this.previous = this.current;
    this.current = s;
    this.tick++;
    for (const e of s.events) {
      this.events.push(e);
      if (e.kind === 'dump' && e.file) this.files.push({ t: e.t, pid: e.pid, file: e.file, size: e.size });
    }
    if (this.events.length > this.eventLimit) this.events.splice(0, this.events.length - this.eventLimit);
    for (const p of s.processes) {
      if (p.alloc) this.record(`${p.pid}`, p.alloc.allocsPerSec, p.alloc.liveBytes);
      for (const t of p.threads) if (t.alloc) this.record(`${p.pid}.${t.tid}`, t.alloc.allocsPerSec, t.alloc.liveBytes);
    }
    for (const [k, v] of this.series) if (v.seen !== this.tick) this.series.delete(k);
  }

  private record(key: string, rate: number, live: number): void {
    let e = this.series.get(key);
    if (!e) this.series.set(key, (e = { rate: [], live: [], seen: 0 }));
    e.seen = this.tick;
    e.rate.push(rate);
    e.live.push(live);
    if (e.rate.length > this.historyLength) {
      e.rate.shift();
      e.live.shift();
    }
  }

  allocSeries(pid: number, tid?: number): AllocSeries | undefined {
    return this.series.get(tid === undefined ? `${pid}` : `${pid}.${tid}`);
  }

  previousProcess(pid: number) {
    return this.previous?.processes.find((p) => p.pid === pid);
  }
}
