// perftop's side of the shim's control files (struct pt_ctl in native/perftop_segment.h; they live in the session
// directory (/dev/shm or /tmp)/perftop-<session>/, PERFTOP_CTL_DIR, and go with it): find each process's
// current file, read the profiling state it reports, send one request and wait for its acknowledgement by polling
// (the addon never blocks Node's thread). Old images' files (exec) and dead processes' files are removed here.
import { readdirSync, unlinkSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadAddon } from '../native/index.js';
import { pidAlive } from '../native/index.js';
import { parseControlName } from './names.js';

export interface ControlState {
  gen: number;
  comm: string;
  reqSeq: number;
  ackSeq: number;
  ackStatus: number;
  ackMsg: string;
  ackFile: string;
  cpuOn: boolean;
  heapOn: boolean;
  /** HeapProfilerStart resolves in the process (libtcmalloc is loaded). */
  tcmalloc: boolean;
  cpuFile: string;
  heapPrefix: string;
  /** Why a from-start profile is off (e.g. "--profile-heap: libtcmalloc is not loaded in this process"). */
  stateMsg: string;
}

/** The control part of the addon (native/reader.cc). */
interface ControlAddon {
  controlRead(file: string, pid: number): ControlState | string;
  controlRequest(file: string, pid: number, cmd: number, arg: string): number | string;
}

export const Cmd = { CpuStart: 1, CpuStop: 2, HeapDump: 3 } as const;
export const Ack = { Ok: 0, Fail: 1, Unavailable: 2 } as const;

export interface AckResult {
  status: number;
  message: string;
  file: string;
}

export interface ControlEntry {
  file: string;
  pid: number;
  gen: number;
  state: ControlState;
}

const POLL_MS = 20;

function addon(): ControlAddon {
  const a = loadAddon() as unknown as Partial<ControlAddon>;
  if (typeof a.controlRead !== 'function' || typeof a.controlRequest !== 'function')
    throw new Error('the native reader has no control functions (rebuild: npx node-gyp rebuild --directory=native)');
  return a as ControlAddon;
}

export class ControlChannel {
  readonly dir: string;
  private readonly prefix: string;
  private current = new Map<number, ControlEntry>();

  constructor(readonly session: string, dir: string, private readonly alive: (pid: number) => boolean = pidAlive) {
    this.dir = resolve(dir);
    this.prefix = `perftop-${session}-`;
  }

  /** Re-reads every control file of the session; returns the current one per pid. */
  scan(): Map<number, ControlEntry> {
    const a = addon();
    let names: string[] = [];
    try {
      names = readdirSync(this.dir);
    } catch {
      return (this.current = new Map());
    }
    const byPid = new Map<number, Array<{ file: string; gen: number }>>();
    for (const n of names) {
      if (!n.startsWith(this.prefix)) continue;
      const id = parseControlName(n);
      if (!id || id.session !== this.session) continue;
      const list = byPid.get(id.pid) ?? [];
      list.push({ file: join(this.dir, n), gen: id.gen });
      byPid.set(id.pid, list);
    }
    const next = new Map<number, ControlEntry>();
    for (const [pid, list] of byPid) {
      list.sort((x, y) => y.gen - x.gen);
      if (!this.alive(pid)) {
        for (const f of list) remove(f.file);
        continue;
      }
      for (const old of list.slice(1)) remove(old.file); // images this pid exec'd away from
      const state = a.controlRead(list[0].file, pid);
      if (typeof state === 'string') continue; // being created, or not ours: skipped, never trusted
      next.set(pid, { file: list[0].file, pid, gen: list[0].gen, state });
    }
    this.current = next;
    return next;
  }

  get(pid: number): ControlEntry | undefined {
    return this.current.get(pid);
  }

  /** Sends one command and resolves with the shim's acknowledgement (or a failure saying why there was none). */
  async request(pid: number, cmd: number, arg: string, timeoutMs = 30_000): Promise<AckResult> {
    const a = addon();
    const entry = this.scan().get(pid);
    if (!entry) return { status: Ack.Unavailable, message: 'no perftop shim in this process (static or setuid binary, cleared LD_PRELOAD, or attached)', file: '' };
    const seq = a.controlRequest(entry.file, pid, cmd, arg);
    if (typeof seq === 'string') return { status: Ack.Fail, message: seq, file: '' };
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      await new Promise((r) => setTimeout(r, POLL_MS));
      const st = a.controlRead(entry.file, pid);
      if (typeof st === 'string') return { status: Ack.Fail, message: this.alive(pid) ? st : 'the process exited', file: '' };
      if (st.ackSeq === seq) return { status: st.ackStatus, message: st.ackMsg, file: st.ackFile };
      if (!this.alive(pid)) return { status: Ack.Fail, message: 'the process exited', file: '' };
      if (Date.now() > deadline) return { status: Ack.Fail, message: `no answer from the control thread in ${timeoutMs / 1000} s`, file: '' };
    }
  }
}

function remove(file: string): void {
  try {
    unlinkSync(file);
  } catch {
    // gone already
  }
}
