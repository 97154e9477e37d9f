// Start-up hygiene: remove segments left by perftop sessions whose perftop process is gone (killed before it could
// clean up). A segment is only removed when its session id names an owner pid that no longer exists, the file is a
// regular file (not a symlink) and it belongs to us; a live owner's segments are never touched.
import { lstatSync, readdirSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { parseSegmentName, sessionOwnerPid } from './segmentName.js';
import { DEFAULT_SHM_DIR } from './segmentReader.js';

/** Is a process with this pid alive? EPERM means it exists but belongs to someone else. */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Returns the paths removed. */
export function collectStaleSegments(dir: string = DEFAULT_SHM_DIR, alive: (pid: number) => boolean = pidAlive): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const removed: string[] = [];
  const verdict = new Map<number, boolean>();
  const uid = process.getuid?.();
  for (const name of names) {
    const id = parseSegmentName(name);
    if (!id) continue;
    const owner = sessionOwnerPid(id.session);
    if (owner === null) continue;
    let ownerAlive = verdict.get(owner);
    if (ownerAlive === undefined) verdict.set(owner, (ownerAlive = alive(owner)));
    if (ownerAlive) continue;
    const file = join(dir, name);
    try {
      const st = lstatSync(file);
      if (!st.isFile() || (uid !== undefined && st.uid !== uid)) continue;
      unlinkSync(file);
      removed.push(file);
    } catch {
      /* raced with another collector or the owner's own cleanup */
    }
  }
  return removed;
}
