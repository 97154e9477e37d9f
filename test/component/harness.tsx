/** @jsxRuntime automatic */
/** @jsxImportSource react */
// Test input for the UI: an in-memory Session fed with literal Snapshot objects, and an Ink render into a
// fake terminal of a chosen size (ink-testing-library's stdout is fixed at 100 columns with no rows).
import { EventEmitter } from 'node:events';
import chalk from 'chalk';
import { render } from 'ink';
import type { AppScreen, SendResult, Session } from '../../src/model/session.js';
import type { ExitInfo, ProcessInfo, Snapshot, ThreadInfo } from '../../src/model/snapshot.js';
import { App } from '../../src/ui/components/App.js';
import { loadTheme } from '../../src/ui/theme.js';

// Ink colours through chalk, which turns colour off when stdout is not a terminal (as under the test runner);
// the tests read styles (the selected row's background), so force it on.
chalk.level = 3;

export function thread(p: Partial<ThreadInfo> & { tid: number }): ThreadInfo {
  return { comm: 'app', state: 'S', cpu: 0, blocked: [], pending: [], wchan: '', alloc: null, ...p };
}

export function proc(p: Partial<ProcessInfo> & { pid: number }): ProcessInfo {
  return {
    ppid: 1, comm: `p${p.pid}`, argv: [`p${p.pid}`], state: 'S', leaderExited: false, exited: null, cpu: 0,
    rss: 1 << 20, threadCount: p.threads?.length ?? 1, signals: { caught: [], ignored: [], pending: [] },
    threads: p.threads ?? [thread({ tid: p.pid, comm: p.comm ?? `p${p.pid}` })], alloc: null,
    profiling: { cpu: 'off', heap: 'off', backend: null }, hazards: [], depth: 0, ...p,
  };
}

export function snapshot(seq: number, processes: ProcessInfo[], events: Snapshot['events'] = []): Snapshot {
  return { seq, t: 1_700_000_000_000 + seq * 1000, root: processes[0]?.pid ?? 0, interval: 1, processes, events };
}

export class TestSession implements Session {
  readonly title: string;
  readonly startedAt = Date.now();
  readonly interval = 1;
  readonly attached: boolean;
  readonly screen: AppScreen | null;
  written: string[] = [];
  sent: Array<{ target: { pid: number; tid?: number }; signal: number }> = [];
  quits = 0;
  exit: ExitInfo | null = null;
  private current: Snapshot | null = null;
  private listeners = new Set<(s: Snapshot) => void>();

  constructor(opts: { title?: string; screen?: AppScreen | null; first?: Snapshot } = {}) {
    this.title = opts.title ?? './app -x';
    this.screen = opts.screen ?? null;
    this.attached = this.screen === null;
    this.current = opts.first ?? null;
  }
  snapshot() { return this.current; }
  onSnapshot(l: (s: Snapshot) => void) {
    this.listeners.add(l);
    return () => { this.listeners.delete(l); };
  }
  push(s: Snapshot) {
    this.current = s;
    for (const l of this.listeners) l(s);
  }
  appExit() { return this.exit; }
  writeToApp(data: string) { this.written.push(data); }
  async sendSignal(target: { pid: number; tid?: number }, signal: number): Promise<SendResult> {
    this.sent.push({ target, signal });
    return { ok: true, message: `signal ${signal} → ${target.tid ?? target.pid}` };
  }
  async quit() { this.quits++; }
  /** d / p / P and the files view's reports: recorded, answered with a fixed line (the real ones are tested in
   * test/control against real gperftools and perf). */
  profiled: Array<{ what: string; pid: number }> = [];
  reportsAsked: string[] = [];
  readonly outDir = '/tmp/out-dir';
  async heapDump(pid: number) {
    this.profiled.push({ what: 'heap', pid });
    return { ok: true, message: `heap dump 12 KB → ./out/app.${pid}.0001.heap`, file: `./out/app.${pid}.0001.heap`, size: 12288 };
  }
  async toggleCpuProfile(pid: number) {
    this.profiled.push({ what: 'cpu', pid });
    return { ok: false, message: `CPU profile: no perftop shim in ${pid}` };
  }
  async togglePerfRecord(pid: number) {
    this.profiled.push({ what: 'perf', pid });
    return { ok: true, message: `perf record of app ${pid} started` };
  }
  async profileReport(file: string) {
    this.reportsAsked.push(file);
    return ['Total: 97 samples', ` 97.0%  burn_cpu (${file})`];
  }
}

export class FakeStdout extends EventEmitter {
  frames: string[] = [];
  isTTY = false;
  constructor(public columns: number, public rows: number) { super(); }
  write = (s: string) => { this.frames.push(s); return true; };
  resize(columns: number, rows: number) {
    this.columns = columns;
    this.rows = rows;
    this.emit('resize');
  }
}

export class FakeStdin extends EventEmitter {
  isTTY = true;
  private queue: string[] = [];
  setEncoding() {}
  setRawMode() {}
  resume() {}
  pause() {}
  ref() {}
  unref() {}
  read = () => this.queue.shift() ?? null;
  write(data: string) {
    this.queue.push(data);
    this.emit('readable');
  }
}

export const tick = (ms = 30) => new Promise((r) => setTimeout(r, ms));

export function renderApp(session: Session, opts: { cols?: number; rows?: number; theme?: string; exitWithApp?: boolean } = {}) {
  const stdout = new FakeStdout(opts.cols ?? 80, opts.rows ?? 24);
  const stdin = new FakeStdin();
  const theme = loadTheme(opts.theme ?? 'default', {});
  const instance = render(<App session={session} theme={theme} exitWithApp={opts.exitWithApp ?? false} />, {
    stdout: stdout as unknown as NodeJS.WriteStream,
    stdin: stdin as unknown as NodeJS.ReadStream,
    debug: true,
    exitOnCtrlC: false,
    patchConsole: false,
  });
  // Plain text of the last frame, trailing blanks of each line dropped (rows are padded to the full width).
  const frame = () => stripAnsi(stdout.frames[stdout.frames.length - 1] ?? '').split('\n').map((l) => l.trimEnd()).join('\n');
  return {
    stdout,
    stdin,
    instance,
    frame,
    lines: () => frame().replace(/\n$/, '').split('\n'),
    /** Send raw key bytes and let Ink parse and re-render. */
    /** Each key, then a wait for the frame it causes: at least 15 ms (40 after Esc, which Ink holds briefly), and
     * up to 200 ms more while no new frame has come (a loaded machine renders late; a key that changes nothing
     * just costs the wait). */
    async press(...keys: string[]) {
      for (const k of keys) {
        const before = stdout.frames.length;
        stdin.write(k);
        await tick(k === '\x1b' ? 40 : 15);
        for (let waited = 0; stdout.frames.length === before && waited < 200; waited += 10) await tick(10);
      }
    },
    /** Plain text of the lines drawn in the default theme's `selected` role (its background #303a4a). */
    selected: () => {
      const raw = (stdout.frames[stdout.frames.length - 1] ?? '').split('\n');
      return raw.filter((l) => l.includes('\x1b[48;2;48;58;74m')).map(stripAnsi);
    },
    /** Every frame written so far, as the number of lines it occupies. */
    heights: () => stdout.frames.map((f) => stripAnsi(f).replace(/\n$/, '').split('\n').length),
    cleanup() {
      instance.unmount();
      instance.cleanup();
    },
  };
}

export function stripAnsi(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/\x1b\[[0-9;?]*[ -/]*[@-~]/g, '').replace(/\x1b\][^\x07]*\x07/g, '');
}

export const KEY = {
  up: '\x1b[A', down: '\x1b[B', right: '\x1b[C', left: '\x1b[D', enter: '\r', esc: '\x1b', tab: '\t', backtab: '\x1b[Z',
  pgdn: '\x1b[6~', pgup: '\x1b[5~', home: '\x1b[H', end: '\x1b[F', f1: '\x1bOP', f9: '\x1b[20~', f10: '\x1b[21~',
  ctrlRightBracket: '\x1d', backspace: '\x7f',
};
