// A perftop session: its id (in segment names and the shim's environment) and its private directory under /tmp,
// which holds init's status file. Whatever ends perftop (normal exit, an error, a signal the app layer turns into
// process.exit) runs one cleanup path: the registry below, drained once on process 'exit'.
import { randomBytes } from 'node:crypto';
import { accessSync, chmodSync, constants, lstatSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseSignal } from '../probe/signals.js';
import { pidAlive } from '../native/stale.js';
import { DEFAULT_SHM_DIR, sessionOwnerPid } from '../native/segmentName.js';

/** `<perftop pid>x<6 hex>`: unique per run, no '-' so it splits cleanly out of `perftop-<session>-<pid>-<gen>`. */
export function sessionId(pid: number = process.pid): string {
  return `${pid}x${randomBytes(3).toString('hex')}`;
}

export const SESSION_ID_RE = /^\d+x[0-9a-f]{6}$/;

const cleanups = new Set<() => void>();
let exitHooked = false;

/** Registers a synchronous cleanup step (it must not throw or be async: it also runs inside 'exit'). */
export function addCleanup(fn: () => void): () => void {
  cleanups.add(fn);
  if (!exitHooked) {
    exitHooked = true;
    process.on('exit', runCleanups);
  }
  return () => {
    cleanups.delete(fn);
  };
}

/** Runs every registered step once, newest first. Safe to call more than once (e.g. from a signal handler). */
export function runCleanups(): void {
  const steps = [...cleanups].reverse();
  cleanups.clear();
  for (const step of steps) {
    try {
      step();
    } catch {
      // cleanup is best effort: one failing step must not keep the others from running
    }
  }
}

export interface SessionDir {
  session: string;
  dir: string;
  /** Removes the directory and its contents; idempotent. Also runs from runCleanups(). */
  remove(): void;
}

/**
 * Where session directories go: /dev/shm (tmpfs) when it is a writable directory, else /tmp. Every image of the
 * app creates its control file there, so a fork costs an O_CREAT in it: on a disk filesystem that was 0.4 ms of
 * each fork (20000 short-lived children: 21 s instead of 3.5 s), on tmpfs a few microseconds.
 */
export function sessionRoot(): string {
  try {
    accessSync(DEFAULT_SHM_DIR, constants.W_OK | constants.X_OK);
    return statSync(DEFAULT_SHM_DIR).isDirectory() ? DEFAULT_SHM_DIR : '/tmp';
  } catch {
    return '/tmp';
  }
}

/** Where session directories of earlier perftops may be left: either root (older versions used /tmp only). */
export const SESSION_ROOTS: readonly string[] = [DEFAULT_SHM_DIR, '/tmp'];

/** Creates `<root>/perftop-<session>/` with mode 0700 (exclusive: an existing path is an error, never reused). */
export function createSessionDir(session: string, root = sessionRoot()): SessionDir {
  if (!SESSION_ID_RE.test(session)) throw new Error(`bad session id '${session}'`);
  const dir = join(root, `perftop-${session}`);
  mkdirSync(dir, { mode: 0o700 });
  chmodSync(dir, 0o700); // mkdir's mode is filtered by the umask
  let unregister = () => {};
  let removed = false;
  const remove = () => {
    if (removed) return;
    removed = true;
    unregister();
    rmSync(dir, { recursive: true, force: true });
  };
  unregister = addCleanup(remove);
  return { session, dir, remove };
}

/**
 * Removes `<root>/perftop-<session>/` directories whose perftop (the pid in the session id) is gone: one killed
 * with SIGKILL, or one that crashed, never ran its cleanups. Only our own real directories; returns the paths.
 */
export function collectStaleSessionDirs(root = '/tmp', alive: (pid: number) => boolean = pidAlive): string[] {
  let names: string[];
  try {
    names = readdirSync(root);
  } catch {
    return [];
  }
  const uid = process.getuid?.();
  const removed: string[] = [];
  for (const name of names) {
    const session = name.startsWith('perftop-') ? name.slice('perftop-'.length) : '';
    const owner = SESSION_ID_RE.test(session) ? sessionOwnerPid(session) : null;
    if (owner === null || alive(owner)) continue;
    const dir = join(root, name);
    try {
      const st = lstatSync(dir);
      if (!st.isDirectory() || (uid !== undefined && st.uid !== uid)) continue;
      rmSync(dir, { recursive: true, force: true });
      removed.push(dir);
    } catch {
      // raced with its owner's own cleanup, or not ours to remove
    }
  }
  return removed;
}

const EXIT_SIGNALS: NodeJS.Signals[] = ['SIGHUP', 'SIGINT', 'SIGTERM'];

/**
 * Turns SIGHUP/SIGINT/SIGTERM into an orderly exit: `beforeExit` (e.g. ending the app's tree) runs first, bounded
 * by `timeoutMs`, then process.exit(128+N), whose 'exit' hook runs the cleanup registry. Without this, Node dies
 * of the signal and skips every cleanup. A second signal while shutting down exits at once (cleanups still run).
 * Returns a function that removes the handlers.
 */
export function exitOnSignals(beforeExit?: (sig: NodeJS.Signals) => Promise<void>, timeoutMs = 5000): () => void {
  let stopping = false;
  const handler = (sig: NodeJS.Signals) => {
    const status = 128 + (parseSignal(sig) ?? 0);
    if (stopping || !beforeExit) process.exit(status);
    stopping = true;
    const timer = setTimeout(() => process.exit(status), timeoutMs);
    beforeExit(sig)
      .catch(() => {})
      .finally(() => {
        clearTimeout(timer);
        process.exit(status);
      });
  };
  for (const s of EXIT_SIGNALS) process.on(s, handler);
  return () => {
    for (const s of EXIT_SIGNALS) process.off(s, handler);
  };
}
