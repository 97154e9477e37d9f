// Drives the real bin/perftop in a private tmux server at a fixed size: send-keys to type, capture-pane to read the
// screen. Each Tmux has its own socket (-L), so tests never touch the user's tmux; close() kills that server and
// then, by pid, anything of the run that survived it.
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { PERFTOP, ROOT } from './helpers.js';

let counter = 0;

/** Start time of a pid (field 22 of stat), so a pid recorded earlier is only ever signalled if it is the same one. */
function startOf(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null;
  } catch {
    return null;
  }
}

function descendants(pid: number): number[] {
  const out: number[] = [];
  const walk = (p: number) => {
    let kids: number[] = [];
    try {
      kids = execFileSync('ps', ['-o', 'pid=', '--ppid', String(p)], { encoding: 'utf8' })
        .split('\n')
        .map((s) => Number(s.trim()))
        .filter((n) => n > 0);
    } catch {
      // ps exits 1 when there are none
    }
    for (const k of kids) {
      out.push(k);
      walk(k);
    }
  };
  walk(pid);
  return out;
}

export class Tmux {
  readonly socket = `pt-e2e-${process.pid}-${counter++}`;
  panePid = 0;
  private readonly seen = new Map<number, string>();

  constructor(readonly cols = 80, readonly rows = 24) {}

  private tmux(...args: string[]): string {
    return execFileSync('tmux', ['-L', this.socket, ...args], { encoding: 'utf8' });
  }

  /** Starts `perftop ARGS` in the pane; the shell stays after perftop exits so its status can be read. */
  start(args: string[], env: Record<string, string> = {}): void {
    const quoted = [PERFTOP, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
    const envs = Object.entries(env).map(([k, v]) => `${k}='${v}'`).join(' ');
    const cmd = `cd '${ROOT}' && env -u CI ${envs} ${quoted}; echo "[perftop exited $?]"; sleep 600`;
    this.tmux('-f', '/dev/null', 'new-session', '-d', '-x', String(this.cols), '-y', String(this.rows), cmd);
    this.panePid = Number(this.tmux('display-message', '-p', '#{pane_pid}').trim());
  }

  /** `perftop ARGS` in a fresh 80×24 server that the test owns: closed in t.after, even when it failed. */
  static open(t: { after(fn: () => Promise<void>): void }, args: string[], env: Record<string, string> = {}): Tmux {
    const tmux = new Tmux(80, 24);
    t.after(() => tmux.close());
    tmux.start(args, env);
    return tmux;
  }

  /** Presses q and waits for perftop to exit (with `status` when given); returns the screen then. */
  async quit(status?: number): Promise<string> {
    this.keys('q');
    return this.waitFor(status === undefined ? /\[perftop exited \d+\]/ : new RegExp(`\\[perftop exited ${status}\\]`), 10_000);
  }

  /** The screen with up to `lines` of the history above it (what scrolled off). */
  withHistory(lines = 2000): string {
    return this.tmux('capture-pane', '-p', '-S', `-${lines}`);
  }

  /** Is the pane on the alternate screen? */
  altScreen(): boolean {
    return this.tmux('display-message', '-p', '#{alternate_on}').trim() === '1';
  }

  /** perftop's own pid: the pane shell's child (env and the #! line exec into node). */
  perftopPid(): number {
    const out = execFileSync('ps', ['-o', 'pid=', '--ppid', String(this.panePid)], { encoding: 'utf8' });
    return Number(out.trim().split('\n')[0]);
  }

  /** Resizes the window, as a user dragging it would (tmux re-wraps what is on screen, then sends SIGWINCH). */
  resize(cols: number, rows: number): void {
    this.tmux('resize-window', '-x', String(cols), '-y', String(rows));
  }

  keys(...keys: string[]): void {
    this.tmux('send-keys', ...keys);
  }

  /** Literal text (no key-name lookup). */
  type(text: string): void {
    this.tmux('send-keys', '-l', text);
  }

  screen(): string {
    return this.tmux('capture-pane', '-p');
  }

  async waitFor(pattern: RegExp, timeoutMs = 10_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    let last = '';
    while (Date.now() < deadline) {
      last = this.screen();
      if (pattern.test(last)) return last;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`timed out waiting for ${pattern}; screen was:\n${last}`);
  }

  /** Every process below the pane's shell right now (perftop, init, the app's tree). */
  processes(): number[] {
    const pids = this.panePid ? descendants(this.panePid) : [];
    for (const pid of pids) {
      const start = startOf(pid);
      if (start) this.seen.set(pid, start);
    }
    return pids;
  }

  /** Ends the tmux server (SIGHUP to perftop, which ends its tree and cleans up), waits for that, and only then
   * SIGKILLs, by pid and start time, whatever of the run is still there. */
  async close(): Promise<void> {
    this.processes();
    try {
      this.tmux('kill-server');
    } catch {
      // already gone
    }
    rmSync(`/tmp/tmux-${process.getuid!()}/${this.socket}`, { force: true });
    const deadline = Date.now() + 6000;
    const left = () => [...this.seen].filter(([pid, start]) => startOf(pid) === start);
    while (left().length > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    for (const [pid] of left()) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone between the check and the kill
      }
    }
  }
}
