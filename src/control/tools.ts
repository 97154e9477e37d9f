// The external tools perftop drives: google-pprof and perf (report). Side effects only; parsing is in reports.ts.
import { execFile } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { parsePerfReport, parsePprofText, type Report } from './reports.js';

/** The first executable `name` on PATH, or null. */
export function which(name: string, path = process.env.PATH ?? '/usr/bin:/bin'): string | null {
  for (const dir of path.split(delimiter)) {
    if (!dir) continue;
    const p = join(dir, name);
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      // not here
    }
  }
  return null;
}

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function run(cmd: string, args: string[], timeoutMs = 30_000): Promise<Run> {
  return new Promise((resolve) => {
    execFile(cmd, args, { timeout: timeoutMs, maxBuffer: 32 << 20, encoding: 'utf8' }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : null) : 0;
      resolve({ code, stdout: stdout ?? '', stderr: stderr ?? (err ? err.message : '') });
    });
  });
}

/** google-pprof --text EXE FILE (CPU profile or heap dump). */
export async function pprofReport(exe: string, file: string): Promise<Report | string> {
  const pprof = which('google-pprof') ?? which('pprof');
  if (!pprof) return 'google-pprof is not installed (apt-get install google-perftools)';
  const r = await run(pprof, ['--text', exe, file]);
  const rep = parsePprofText(r.stdout);
  if (rep.top.length === 0 && !rep.total)
    return r.code !== 0 ? `google-pprof failed: ${lastLine(r.stderr)}` : 'empty profile (no samples or allocations recorded yet)';
  return rep;
}

/** perf report --stdio, flat (no call graphs), for the top entries. */
export async function perfReport(file: string): Promise<Report | string> {
  const perf = which('perf');
  if (!perf) return 'perf is not installed (apt-get install linux-perf)';
  const r = await run(perf, ['report', '--stdio', '--no-children', '-g', 'none', '--percent-limit', '0.5', '-i', file]);
  const rep = parsePerfReport(r.stdout);
  if (r.code !== 0 && rep.top.length === 0) return `perf report failed: ${lastLine(r.stderr)}`;
  return rep;
}

export function lastLine(text: string): string {
  const lines = text.split('\n').map((l) => l.trim()).filter(Boolean);
  return lines[lines.length - 1] ?? '(no output)';
}
