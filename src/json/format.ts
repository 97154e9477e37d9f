// --json output: the Snapshot object is the contract (DESIGN.md "Snapshot"), so a line is just that object.
import type { Snapshot } from '../model/snapshot.js';

/** One NDJSON line: the snapshot and "\n". JSON.stringify never emits a raw newline inside, so lines stay whole. */
export function formatSnapshotLine(s: Snapshot): string {
  return `${JSON.stringify(s)}\n`;
}

/**
 * Writes lines to a stream without losing the final one: resolves when the data is flushed (or at once when the
 * stream has room), so the runner can await the last snapshot before exiting with the app's status.
 */
export function writeSnapshotLine(out: NodeJS.WritableStream, s: Snapshot): Promise<void> {
  return new Promise((resolve, reject) => {
    out.write(formatSnapshotLine(s), (err) => (err ? reject(err) : resolve()));
  });
}
