// Starts native/out/perftop-init with the app below it, under a PTY (the TUI) or plain pipes (--json), and exposes
// the running tree: the app's pid and every descendant's exit (from init's status file), the PTY stream with
// backpressure, and endTree(). Node never waits for the app itself: init reaps everything, including orphans.
import { spawn as spawnChild } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pty from 'node-pty';
import type { ExitInfo } from '../model/snapshot.js';
import { parseSignal } from '../probe/signals.js';
import { endTree } from './endTree.js';
import { INIT_PATH } from './paths.js';
import { StatusFile } from './status.js';

export interface LaunchOptions {
  command: string;
  args: string[];
  /** The app's environment (see shimEnv); its LD_PRELOAD reaches the app only, not init. */
  env: Record<string, string | undefined>;
  cwd?: string;
  mode: 'pty' | 'pipe';
  cols?: number;
  rows?: number;
  /** The session's private directory (createSessionDir); init's status file goes there. */
  sessionDir: string;
  /** Defaults to native/out/perftop-init. */
  initPath?: string;
}

export interface RunningTree {
  readonly initPid: number;
  readonly mode: 'pty' | 'pipe';
  readonly statusPath: string;
  appPid(): number | null;
  exitOf(pid: number): ExitInfo | undefined;
  appExit(): ExitInfo | null;
  /** Called once when the app (not the whole tree) has exited; returns an unsubscribe function. */
  onAppExit(cb: (exit: ExitInfo) => void): () => void;
  /** PTY output (PTY mode only; in pipe mode the app writes to perftop's stderr directly). Output that arrives
   * before the first listener is buffered for it. */
  onOutput(cb: (data: string) => void): () => void;
  write(data: string): void;
  resize(cols: number, rows: number): void;
  /** Backpressure: stop reading the PTY (the app blocks once the kernel buffer fills). Ignored after the app's exit,
   * and undone by it, so the app's final output is never lost. */
  pause(): void;
  resume(): void;
  /** TERM the given pids, everything under init and the app's and init's groups; KILL leftovers after 3 s. */
  endTree(pids?: number[]): Promise<void>;
  /** init's exit status: the app's status (128+N for a signal) once every descendant is gone. */
  readonly done: Promise<number>;
}

const STATUS_POLL_MS = 100;
export const STATUS_FILE = 'init.status';

export function launch(opts: LaunchOptions): RunningTree {
  const initPath = opts.initPath ?? INIT_PATH;
  if (!existsSync(initPath)) throw new Error(`${initPath} is missing (build it with: make -C native)`);
  const statusPath = join(opts.sessionDir, STATUS_FILE);
  writeFileSync(statusPath, '', { mode: 0o600, flag: 'wx' }); // exclusive: a stale file would lie about pids

  // init gets the environment without LD_PRELOAD (the shim must not count init) and hands it to the app.
  const initEnv: Record<string, string> = {};
  for (const [k, v] of Object.entries(opts.env)) if (v !== undefined && k !== 'LD_PRELOAD') initEnv[k] = v;
  const preload = opts.env.LD_PRELOAD;
  const argv = ['--status', statusPath, ...(preload ? ['--preload', preload] : []), '--', opts.command, ...opts.args];

  const status = new StatusFile(statusPath);
  const outputListeners = new Set<(d: string) => void>();
  const pendingOutput: string[] = []; // output before the first listener is kept, not lost
  const exitListeners = new Set<(e: ExitInfo) => void>();
  let appExitInfo: ExitInfo | null = null;
  let paused = false;
  let initExited = false;

  let initPid: number;
  let done: Promise<number>;
  let term: pty.IPty | null = null;

  if (opts.mode === 'pty') {
    term = pty.spawn(initPath, argv, {
      name: 'xterm-256color',
      cols: opts.cols ?? 80,
      rows: opts.rows ?? 24,
      cwd: opts.cwd ?? process.cwd(),
      env: initEnv,
    });
    initPid = term.pid;
    term.onData((d) => {
      if (outputListeners.size === 0) pendingOutput.push(d);
      else for (const l of outputListeners) l(d);
    });
    const t = term;
    done = new Promise<number>((resolve) => {
      t.onExit(({ exitCode, signal }) => resolve(signal ? 128 + signal : exitCode));
    });
  } else {
    // Detached: init gets its own session, so the terminal's Ctrl-C reaches perftop (which ends the tree) and the
    // app may still read the inherited stdin (a tty that is not its controlling terminal is no job-control trap).
    const child = spawnChild(initPath, argv, {
      stdio: ['inherit', 2, 2],
      env: initEnv,
      cwd: opts.cwd,
      detached: true,
    });
    if (child.pid === undefined) throw new Error(`could not start ${initPath}`);
    initPid = child.pid;
    done = new Promise<number>((resolve) => {
      child.on('exit', (code, signal) => {
        if (signal) resolve(128 + (parseSignal(signal) ?? 0));
        else resolve(code ?? 1);
      });
      child.on('error', () => resolve(1));
    });
  }

  const poll = (): void => {
    status.refresh();
    if (appExitInfo) return;
    const app = status.appPid();
    const e = app === null ? undefined : status.exitOf(app);
    if (!e) return;
    appExitInfo = e;
    // node-pty destroys the PTY stream 200 ms after init exits, dropping whatever a paused stream still holds; the
    // app's last words matter most, so from the app's exit on the stream flows (this poll runs every 100 ms).
    if (paused) term?.resume();
    paused = false;
    for (const l of [...exitListeners]) l(e);
    exitListeners.clear();
  };
  const timer = setInterval(poll, STATUS_POLL_MS);
  timer.unref();
  done = done.then((code) => {
    initExited = true;
    clearInterval(timer);
    poll(); // init writes every line before it exits: this read sees them all
    status.close();
    return code;
  });

  const tree: RunningTree = {
    initPid,
    mode: opts.mode,
    statusPath,
    appPid() {
      if (status.appPid() === null && !initExited) status.refresh();
      return status.appPid();
    },
    exitOf(pid) {
      if (!initExited) status.refresh();
      return status.exitOf(pid);
    },
    appExit() {
      if (!appExitInfo && !initExited) poll();
      return appExitInfo;
    },
    onAppExit(cb) {
      if (appExitInfo) {
        const e = appExitInfo;
        queueMicrotask(() => cb(e));
        return () => {};
      }
      exitListeners.add(cb);
      return () => exitListeners.delete(cb);
    },
    onOutput(cb) {
      outputListeners.add(cb);
      if (pendingOutput.length > 0) {
        const buffered = pendingOutput.splice(0);
        queueMicrotask(() => {
          for (const d of buffered) cb(d);
        });
      }
      return () => outputListeners.delete(cb);
    },
    write(data) {
      if (term && !initExited) term.write(data);
    },
    resize(cols, rows) {
      if (!term || initExited) return;
      try {
        term.resize(Math.max(1, cols | 0), Math.max(1, rows | 0));
      } catch {
        // the PTY closed between init's exit and its exit event: nothing left to resize
      }
    },
    pause() {
      if (!term || appExitInfo || paused) return; // see poll(): no holding back once the app has exited
      paused = true;
      term.pause();
    },
    resume() {
      if (!term || !paused) return;
      paused = false;
      term.resume();
    },
    endTree(pids = []) {
      return endTree(
        { initPid, appPid: tree.appPid(), initDone: done, isInitDone: () => initExited },
        pids,
      );
    },
    done,
  };
  return tree;
}
