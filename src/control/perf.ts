// `P`: perf record -g -p PID -o <out>/<comm>.<pid>.perf.data for one process. perf_events samples without sending
// the app a signal (FIELD.md §4: 0 EINTR). perf is our child; it stops on SIGINT (sent to perf's pid only) and
// writes its file on the way out, or by itself when the target exits.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { perfDataName } from './names.js';
import { lastLine, which } from './tools.js';
import { verifyFile, type Verified } from './verify.js';

export const PERF_MISSING = 'perf is not installed: apt-get install linux-perf';

interface Recording {
  pid: number;
  file: string;
  startedAt: number;
  child: ChildProcess;
  stderr: string;
  exited: Promise<number | null>;
  /** Set when it ended without a stop (the target exited): the caller reports it once. */
  ended: boolean;
}

export type PerfStopped = ({ ok: true } & Verified) | { ok: false; message: string; file: string };

export class PerfRecorder {
  private readonly recs = new Map<number, Recording>();

  constructor(private readonly onEnded?: (pid: number, result: PerfStopped) => void) {}

  isRecording(pid: number): boolean {
    const r = this.recs.get(pid);
    return !!r && !r.ended;
  }

  /** Starts recording; resolves once perf is running (or failed to start, with perf's own last line). */
  async start(pid: number, comm: string, dir: string): Promise<{ ok: boolean; message: string; file: string }> {
    if (this.isRecording(pid)) return { ok: false, message: 'perf is already recording this process', file: '' };
    const perf = which('perf');
    if (!perf) return { ok: false, message: PERF_MISSING, file: '' };
    const file = join(dir, perfDataName(comm, pid));
    if (existsSync(file)) rmSync(file, { force: true }); // one name per process: a new record replaces the old one
    rmSync(`${file}.old`, { force: true });
    const child = spawn(perf, ['record', '-g', '-p', String(pid), '-o', file], { stdio: ['ignore', 'ignore', 'pipe'] });
    const rec: Recording = { pid, file, startedAt: Date.now(), child, stderr: '', ended: false, exited: Promise.resolve(null) };
    child.stderr!.setEncoding('utf8').on('data', (d: string) => {
      rec.stderr = (rec.stderr + d).slice(-4096);
    });
    rec.exited = new Promise((resolve) => {
      child.on('exit', (code) => resolve(code));
      child.on('error', (e) => {
        rec.stderr += `\n${e.message}`;
        resolve(null);
      });
    });
    this.recs.set(pid, rec);
    // perf opens its events and the file within a few ms; a failure (no such pid, paranoid setting, the Debian
    // wrapper saying no perf matches this kernel) exits at once.
    const early = await Promise.race([rec.exited.then((c) => ({ c })), new Promise<null>((r) => setTimeout(() => r(null), 400))]);
    if (early) {
      this.recs.delete(pid);
      rmSync(file, { force: true });
      const why = lastLine(rec.stderr);
      const missing = /not found for kernel|command not found|No such file/.test(rec.stderr);
      return { ok: false, message: missing ? `${PERF_MISSING} (${why})` : `perf record failed: ${why}`, file: '' };
    }
    void rec.exited.then(() => {
      if (this.recs.get(pid) !== rec || rec.ended) return;
      rec.ended = true; // the target exited: perf wrote its file by itself
      this.recs.delete(pid);
      const v = verifyFile(file, rec.startedAt, 'perf.data');
      this.onEnded?.(pid, 'message' in v ? { ok: false, message: v.message, file } : { ok: true, ...v });
    });
    return { ok: true, message: '', file };
  }

  /** SIGINT to perf (by its pid), wait for it to write the file, verify it. */
  async stop(pid: number, timeoutMs = 15_000): Promise<PerfStopped> {
    const rec = this.recs.get(pid);
    if (!rec) return { ok: false, message: 'perf is not recording this process', file: '' };
    rec.ended = true;
    this.recs.delete(pid);
    if (rec.child.exitCode === null && rec.child.pid) process.kill(rec.child.pid, 'SIGINT');
    const timer = setTimeout(() => rec.child.pid && rec.child.exitCode === null && process.kill(rec.child.pid, 'SIGKILL'), timeoutMs);
    await rec.exited;
    clearTimeout(timer);
    const v = verifyFile(rec.file, rec.startedAt, 'perf.data');
    if ('message' in v) return { ok: false, message: `${v.message}${rec.stderr ? ` (perf: ${lastLine(rec.stderr)})` : ''}`, file: rec.file };
    return { ok: true, ...v };
  }

  /** Quit: every perf still running gets SIGINT; returns when they are gone (bounded). */
  async stopAll(timeoutMs = 5000): Promise<void> {
    const pids = [...this.recs.keys()];
    await Promise.all(pids.map((p) => this.stop(p, timeoutMs)));
  }

  /** Synchronous last resort (process exit): SIGINT to each perf child, no waiting. */
  interruptAll(): void {
    for (const r of this.recs.values()) if (r.child.pid && r.child.exitCode === null) process.kill(r.child.pid, 'SIGINT');
  }
}
