// Runs the real bin/perftop (built dist/) and collects what it printed; every child is ended by pid afterwards.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Snapshot } from '../../src/model/snapshot.js';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const PERFTOP = `${ROOT}bin/perftop`;
export const fixture = (name: string) => `${ROOT}test/fixtures/out/${name}`;

export interface JsonRun {
  status: number | null;
  signal: NodeJS.Signals | null;
  snapshots: Snapshot[];
  stdout: string;
  stderr: string;
}

const running = new Set<ChildProcess>();

/** Runs `perftop ...args` to completion (bounded by timeoutMs, then KILLed) and parses stdout as NDJSON. */
export function runPerftop(args: string[], opts: { timeoutMs?: number; env?: NodeJS.ProcessEnv; onLine?: (s: Snapshot, child: ChildProcess) => void } = {}): Promise<JsonRun> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [PERFTOP, ...args], {
      cwd: ROOT,
      env: { ...process.env, ...opts.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    running.add(child);
    let stdout = '';
    let stderr = '';
    let partial = '';
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
      partial += d;
      let nl: number;
      while ((nl = partial.indexOf('\n')) >= 0) {
        const line = partial.slice(0, nl);
        partial = partial.slice(nl + 1);
        try {
          opts.onLine?.(JSON.parse(line) as Snapshot, child);
        } catch {
          // not JSON: the assertion on stdout below will say so
        }
      }
    });
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 30_000);
    child.on('close', (status, signal) => {
      clearTimeout(timer);
      running.delete(child);
      const snapshots: Snapshot[] = [];
      for (const line of stdout.split('\n')) if (line.trim()) snapshots.push(JSON.parse(line) as Snapshot);
      resolve({ status, signal, snapshots, stdout, stderr });
    });
  });
}

/** For t.after: any perftop still running (a failed test) is ended, and with it its app's tree. */
export function endRunning(): void {
  for (const c of running) c.kill('SIGTERM');
}

export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
