// Ending the app's tree: SIGTERM first, SIGKILL to whoever is left after a grace period (DESIGN.md: q ends the tree,
// TERM then KILL after 3 s). Signals go by pid and process group number only, and each pid is checked against the
// start time it had when we chose it, so a reused pid is never hit.
import { descendants, isAlive, procId, type ProcId } from './procTree.js';

export interface EndTreeTarget {
  initPid: number;
  /** The app's pid (its process group id too: init makes it a group leader), or null if never started. */
  appPid: number | null;
  /** Resolves when init has exited. */
  initDone: Promise<unknown>;
  isInitDone(): boolean;
}

export const GRACE_MS = 3000;
const POLL_MS = 50;

function send(pidOrGroup: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pidOrGroup, sig);
  } catch {
    // ESRCH (already gone) or EPERM (not ours): nothing more to do for that one
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** The given pids plus everything under init right now, as (pid, start) pairs; never perftop, init or pid 1. */
function collect(target: EndTreeTarget, pids: number[], known: Map<number, ProcId>): void {
  for (const pid of [...pids, ...descendants(target.initPid)]) {
    if (pid <= 1 || pid === process.pid || pid === target.initPid || known.has(pid)) continue;
    const id = procId(pid);
    if (id) known.set(pid, id);
  }
}

function survivors(known: Map<number, ProcId>): ProcId[] {
  return [...known.values()].filter(isAlive);
}

export async function endTree(target: EndTreeTarget, pids: number[], graceMs = GRACE_MS): Promise<void> {
  const known = new Map<number, ProcId>();
  collect(target, pids, known);
  const groups = [target.appPid, target.initPid].filter((p): p is number => p !== null && p > 1);

  for (const id of known.values()) send(id.pid, 'SIGTERM');
  for (const g of groups) send(-g, 'SIGTERM'); // init forwards its TERM to the app's group as well

  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    collect(target, [], known); // children forked while shutting down are ended too
    if (survivors(known).length === 0 && target.isInitDone()) return;
    await sleep(POLL_MS);
  }

  collect(target, [], known);
  for (const id of survivors(known)) send(id.pid, 'SIGKILL');
  if (target.appPid !== null) send(-target.appPid, 'SIGKILL');
  // init exits by itself once it has reaped everything; give it a moment, then end it too.
  const reaped = await Promise.race([target.initDone.then(() => true), sleep(1000).then(() => false)]);
  if (!reaped) {
    collect(target, [], known);
    for (const id of survivors(known)) send(id.pid, 'SIGKILL');
    send(target.initPid, 'SIGKILL');
    await Promise.race([target.initDone, sleep(2000)]);
  }
}
