// init's status file (native/init.c): `start <apppid>` once, then `exit <pid> <wstatus>` per reaped descendant.
// The parser is pure and tolerates a partial last line (init may be mid-write when we read); StatusFile reads the
// file incrementally from a kept-open fd, so each poll costs one read of the new bytes.
import { closeSync, openSync, readSync } from 'node:fs';
import type { ExitInfo } from '../model/snapshot.js';
import { exitFromWaitStatus, parseSignal, signalExitStatus } from '../probe/signals.js';

export interface StatusExit {
  pid: number;
  wstatus: number;
}

export interface ParsedStatus {
  /** The app's pid from the `start` line, null if not (yet) seen. */
  app: number | null;
  exits: StatusExit[];
  /** Text after the last newline: an incomplete line to prepend to the next read. */
  rest: string;
  /** Complete lines that did not parse (never expected; kept for diagnostics). */
  bad: string[];
}

export function parseStatusLines(text: string): ParsedStatus {
  const out: ParsedStatus = { app: null, exits: [], rest: '', bad: [] };
  const end = text.lastIndexOf('\n');
  out.rest = text.slice(end + 1);
  if (end < 0) return out;
  for (const line of text.slice(0, end).split('\n')) {
    if (line === '') continue;
    let m = /^start (\d+)$/.exec(line);
    if (m) {
      out.app = Number(m[1]);
      continue;
    }
    m = /^exit (\d+) (-?\d+)$/.exec(line);
    if (m) out.exits.push({ pid: Number(m[1]), wstatus: Number(m[2]) });
    else out.bad.push(line);
  }
  return out;
}

/** A raw waitpid status as a shell would describe it (core-dump bit ignored). */
/** init's wait statuses decode like any other ({} for stopped/continued: init does not ask for these). */
export const exitInfoFromWaitStatus: (wstatus: number) => ExitInfo = exitFromWaitStatus;

/** Shell-style status: the code, or 128+N for a signal; 1 when the exit was never seen. */
export function exitCodeOf(exit: ExitInfo): number {
  if (exit.code !== undefined) return exit.code;
  if (exit.signal !== undefined) {
    const n = parseSignal(exit.signal);
    if (n !== undefined) return signalExitStatus(n);
  }
  return 1;
}

/** Incremental reader of one status file. */
export class StatusFile {
  private fd: number | null = null;
  private pos = 0;
  private rest = '';
  private app: number | null = null;
  /** Latest exit per pid (a pid can be reused within a run; the newest line wins). */
  private exits = new Map<number, ExitInfo>();

  constructor(readonly path: string) {}

  /** Reads what init appended since the last call; returns true when something new arrived. */
  refresh(): boolean {
    if (this.fd === null) {
      try {
        this.fd = openSync(this.path, 'r');
      } catch {
        return false; // init has not created it yet
      }
    }
    let grew = false;
    const buf = Buffer.allocUnsafe(16384);
    for (;;) {
      const n = readSync(this.fd, buf, 0, buf.length, this.pos);
      if (n <= 0) break;
      this.pos += n;
      this.rest += buf.toString('latin1', 0, n); // the file is ASCII
      grew = true;
    }
    if (!grew) return false;
    const parsed = parseStatusLines(this.rest);
    this.rest = parsed.rest;
    if (parsed.app !== null) this.app = parsed.app;
    for (const e of parsed.exits) this.exits.set(e.pid, exitInfoFromWaitStatus(e.wstatus));
    return parsed.app !== null || parsed.exits.length > 0;
  }

  appPid(): number | null {
    return this.app;
  }

  exitOf(pid: number): ExitInfo | undefined {
    return this.exits.get(pid);
  }

  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }
}
