// Headless mode: one snapshot line per interval on stdout, then a final one once the app has exited (its exit in
// it), flushed before perftop exits with the app's status.
import type { ExitInfo } from '../model/snapshot.js';
import { writeSnapshotLine } from '../json/format.js';
import type { LiveSession } from './liveSession.js';

export async function runJson(live: LiveSession, out: NodeJS.WritableStream): Promise<ExitInfo> {
  let writing: Promise<void> = Promise.resolve();
  const off = live.onSnapshot((s) => {
    writing = writing.then(() => writeSnapshotLine(out, s)).catch(() => {});
  });
  live.start();
  const exit = await live.whenAppExits();
  live.stop();
  live.tick(); // the final snapshot: the root with its exit status
  off();
  await writing;
  return exit;
}
