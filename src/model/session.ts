// What the UI (and --json) are given: one running session, assembled by src/app from the supervisor, the
// sampler and the terminal emulator. Core modules implement it; the UI only reads it and calls its actions.
import type { ExitInfo, Snapshot } from './snapshot.js';

export interface SendResult {
  ok: boolean;
  /** One line for the status bar: "SIGUSR1 → 4243 (caught by on_usr1)" or the error. */
  message: string;
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
