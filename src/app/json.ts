// Headless mode: one snapshot line per interval on stdout, then a final one once the app has exited (its exit in
// it), flushed before perftop exits with the app's status.
import type { ExitInfo } from '../model/snapshot.js';
import { writeSnapshotLine } from '../json/format.js';
import type { LiveSession } from './liveSession.js';

/**
 * Resolves with the app's exit, or with null as soon as stdout fails (EPIPE: `perftop --json … | head` after head
 * has read its lines). Nobody reads any more, so the caller ends the run as a pipeline would; nothing more is
 * written.
 */
export async function runJson(live: LiveSession, out: NodeJS.WritableStream): Promise<ExitInfo | null> {
  let broken = false;
  let outputGone!: () => void;
  const gone = new Promise<null>((resolve) => {
    outputGone = () => resolve(null);
  });
  const onError = () => {
    broken = true;
    outputGone();
  };
  out.on('error', onError);
  let writing: Promise<void> = Promise.resolve();
  const off = live.onSnapshot((s) => {
    if (!broken) writing = writing.then(() => writeSnapshotLine(out, s)).catch(onError);
  });
  try {
    live.start();
    const exit = await Promise.race([live.whenAppExits(), gone]);
    if (!exit) return null;
    live.stop();
    live.tick(); // the final snapshot: the root with its exit status
    await Promise.race([writing, gone]);
    return exit;
  } finally {
    off();
  }
}
