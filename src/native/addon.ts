// The typed view of the raw N-API addon (native/reader.cc) and its loader. Everything the C++ side returns is
// described here, so the rest of src/native handles typed values only.
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { HistoryRecord, RawCounters, TimerState } from './types.js';

/** What readSegment returns for a valid segment (the wrapper adds `file`). */
export interface RawSegment {
  pid: number;
  gen: number;
  closed: boolean;
  /** The image that wrote it has exec'd (a new image with no segment of its own runs in this pid). */
  execed: boolean;
  exitStatus: number | null;
  counting: boolean;
  comm: string;
  total: RawCounters;
  threads: Array<{ tid: number; counters: RawCounters }>;
  history: HistoryRecord[];
  timers: TimerState;
}

export interface ReaderAddon {
  /** A segment, or a string saying why the file is not one. Never throws for bad file contents. */
  readSegment(file: string, pid: number, gen: number): RawSegment | string;
  /** Segments stay mapped between reads: unmaps every one whose path starts with prefix and is not in files. */
  retainSegments(prefix: string, files: string[]): void;
  /** pidfd_open + pidfd_send_signal; with startTicks, refuses a pid whose /proc stat start time differs. Throws an
   * Error with `code` (ESRCH, EPERM, …) and `errno`. */
  pidfdSendSignal(pid: number, sig: number, startTicks?: number): void;
  tgkill(tgid: number, tid: number, sig: number): void;
  segmentVersion: number;
  /** How far a thread's live bytes move before it publishes to the process total (the process peak's error). */
  peakBatch: number;
  /** Frees between two checks for a drop to publish. */
  freeCheck: number;
}

const ADDON_NAME = 'perftop_reader.node';

/** Where the addon may be, first hit wins: an explicit override, then node-gyp's Release and Debug outputs. Paths
 * are relative to the package root, which is two levels above this file both in src/ (tsx) and in dist/. */
export function addonCandidates(env: NodeJS.ProcessEnv = process.env): string[] {
  const root = fileURLToPath(new URL('../../', import.meta.url));
  const list = [
    `${root}native/build/Release/${ADDON_NAME}`,
    `${root}native/build/Debug/${ADDON_NAME}`,
    `${root}build/Release/${ADDON_NAME}`,
  ];
  const override = env.PERFTOP_READER_ADDON;
  return override ? [override, ...list] : list;
}

let cached: ReaderAddon | undefined;

/** Load the addon once; on failure the error lists every path tried and why each failed. `paths` replaces the
 * default candidates (tests); such a load is not cached. */
export function loadAddon(paths?: string[]): ReaderAddon {
  if (cached && !paths) return cached;
  const require = createRequire(import.meta.url);
  const failures: string[] = [];
  for (const path of paths ?? addonCandidates()) {
    try {
      const mod = require(path) as ReaderAddon;
      if (typeof mod.readSegment !== 'function' || typeof mod.pidfdSendSignal !== 'function') {
        failures.push(`${path}: not the perftop reader (missing exports)`);
        continue;
      }
      if (!paths) cached = mod;
      return mod;
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      failures.push(`${path}: ${e.code === 'MODULE_NOT_FOUND' ? 'not found' : e.message.split('\n')[0]}`);
    }
  }
  throw new Error(
    `Failed to load native module ${ADDON_NAME} (build it with \`node-gyp rebuild --directory=native\`); tried:\n` +
      failures.map((f) => `  ${f}`).join('\n'),
  );
}
