// What the UI (and --json) are given: one running session, assembled by src/app from the supervisor, the
// sampler and the terminal emulator. Core modules implement it; the UI only reads it and calls its actions.
import type { ExitInfo, Snapshot } from './snapshot.js';

export interface SendResult {
  ok: boolean;
  /** One line for the status bar: "SIGUSR1 → 4243 (caught by on_usr1)" or the error. */
  message: string;
}

/** What a profiling action (d, p, P) did: one status line, and the file it verified on disk. */
export interface ProfileActionResult {
  ok: boolean;
  /** "heap dump 12 KB → ./perftop-…/app.4242.0001.heap", or why not. */
  message: string;
  file?: string;
  size?: number;
}

export interface Session {
  /** The command line as the user typed it, or "attach PID". */
  readonly title: string;
  readonly startedAt: number;
  readonly interval: number;
  readonly attached: boolean;
  /** Latest snapshot; null before the first tick. */
  snapshot(): Snapshot | null;
  /** Called after every tick (one per interval); returns an unsubscribe function. */
  onSnapshot(listener: (s: Snapshot) => void): () => void;
  /** The app's exit as perftop's status would report it; null while it runs. */
  appExit(): ExitInfo | null;
  /** The app's screen, as rendered by @xterm/headless (null when attached: there is no PTY). */
  readonly screen: AppScreen | null;
  /** Keystrokes for the app (the `i` mode). */
  writeToApp(data: string): void;
  sendSignal(target: { pid: number; tid?: number }, signal: number): Promise<SendResult>;
  /** `d`: heap dump of one process (gperftools, through the shim's control thread). Absent: not offered. */
  heapDump?(pid: number): Promise<ProfileActionResult>;
  /** `p`: start/stop a gperftools CPU profile in one process (no preload, no signal from perftop). */
  toggleCpuProfile?(pid: number): Promise<ProfileActionResult>;
  /** `P`: start/stop `perf record -g -p PID` (no signal reaches the app). */
  togglePerfRecord?(pid: number): Promise<ProfileActionResult>;
  /** Top entries of a profile file (google-pprof --text / perf report --stdio), for the files view. */
  profileReport?(file: string): Promise<string[]>;
  /** Where profiles go (--out), absolute; it exists only once something was written. */
  readonly outDir?: string;
  /** End the app's tree (TERM, then KILL after 3 s) and resolve when it is gone. */
  quit(): Promise<void>;
}

export interface AppScreen {
  /** Visible rows of the app's terminal as plain lines plus style runs; see src/ui/terminalLines. */
  lines(): ScreenLine[];
  readonly cols: number;
  readonly rows: number;
  resize(cols: number, rows: number): void;
  /** Called (throttled by the caller) when the app wrote something. */
  onChange(listener: () => void): () => void;
}

export interface ScreenRun {
  text: string;
  fg?: string; // hex colour "#rrggbb" or undefined for default
  bg?: string;
  bold?: boolean;
  dim?: boolean;
  italic?: boolean;
  underline?: boolean;
  inverse?: boolean;
}

export type ScreenLine = ScreenRun[];
