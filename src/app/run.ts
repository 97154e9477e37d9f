// From parsed options to a finished run: checks that can fail in one line come first (command, theme, terminal),
// then the session starts and either the TUI or the --json writer drives it. Whatever ends the run goes through
// one cleanup path (supervisor's registry): the app's tree, the session dir and our segments.
import type { ParsedArgs, RunOptions } from '../cli/args.js';
import { LiveSession } from './liveSession.js';
import { runJson } from './json.js';
import {
  addCleanup,
  collectStaleSessionDirs,
  createSessionDir,
  SESSION_ROOTS,
  exitCodeOf,
  exitOnSignals,
  launch,
  resolveCommand,
  sessionId,
  shimEnv,
  builtShimPath,
} from '../supervisor/index.js';
import { collectStaleSegments, DEFAULT_SHM_DIR, loadAddon } from '../native/index.js';
import { readFileSync, rmSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Theme } from '../ui/theme.js';
import type { ExitInfo } from '../model/snapshot.js';
import { findTcmalloc, OutDir, profilingEnv, rootCounted } from '../control/index.js';
import { parseStatus } from '../probe/parse.js';

export class UserError extends Error {
  constructor(message: string, readonly status = 2) {
    super(message);
  }
}

type RunArgs = Extract<ParsedArgs, { kind: 'run' }>;
type AttachArgs = Extract<ParsedArgs, { kind: 'attach' }>;

export async function runApp(args: RunArgs | AttachArgs, appEnv: NodeJS.ProcessEnv = process.env): Promise<number> {
  // --json draws nothing, but a --theme it was given must still exist (a typo is not silently accepted).
  if (args.json && args.theme !== null) await loadThemeOrFail(args.theme);
  const theme = args.json ? null : await loadThemeOrFail(args.theme);
  if (!args.json && !(process.stdout.isTTY && process.stdin.isTTY)) {
    throw new UserError('the screen needs a terminal on stdin and stdout (use --json for a headless run)');
  }
  return args.kind === 'attach' ? attach(args, theme) : run(args, theme, appEnv);
}

async function loadThemeOrFail(name: string | null): Promise<Theme> {
  const { loadTheme } = await import('../ui/theme.js');
  try {
    return loadTheme(name ?? undefined, process.env);
  } catch (err) {
    throw new UserError((err as Error).message);
  }
}

function shellLine(command: string, args: string[]): string {
  return [command, ...args].map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ');
}

/** Segments are ours to remove: after the run, whatever the sampler did not remove yet goes. */
function removeSessionSegments(session: string, dir: string): void {
  let names: string[] = [];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const n of names) if (n.startsWith(`perftop-${session}-`)) rmSync(join(dir, n), { force: true });
}

async function run(args: RunArgs, theme: Theme | null, appEnv: NodeJS.ProcessEnv): Promise<number> {
  const resolved = resolveCommand(args.command, appEnv.PATH);
  if (!resolved.ok) throw new UserError(resolved.message, resolved.exitCode);

  try {
    collectStaleSegments(DEFAULT_SHM_DIR);
    for (const root of SESSION_ROOTS) collectStaleSessionDirs(root);
  } catch {
    // a segment or directory we cannot remove is someone else's: never a reason not to start
  }
  // Profiles: --out (created now only when --profile-* will write there from the start), and the shim's variables.
  const out = new OutDir(args.out);
  const profiling = args.profileCpu !== null || args.profileHeap !== null;
  // gperftools' own switches in the environment win over --profile-*: libprofiler and tcmalloc start a profile into
  // the user's path as they load, overwriting it, and perftop's never starts.
  const switches = [['CPUPROFILE', '--profile-cpu', args.profileCpu], ['HEAPPROFILE', '--profile-heap', args.profileHeap]] as const;
  for (const [v, option, match] of switches) {
    if (match !== null && appEnv[v]) throw new UserError(`${v}=${appEnv[v]} is set: gperftools would profile into that instead of --out, overwriting it; unset it to use ${option}`, 2);
  }
  const tcmalloc = args.profileHeap !== null ? findTcmalloc() : null;
  if (args.profileHeap !== null && !tcmalloc)
    throw new UserError('--profile-heap needs libtcmalloc.so.4 (apt-get install libgoogle-perftools4)', 1);
  if (profiling) {
    try {
      out.ensure(true); // the shim writes there on its own
    } catch (err) {
      throw new UserError((err as Error).message, 1);
    }
  }
  // The session needs the reader addon (segments, control, signals): a broken build fails here, before the app
  // starts, rather than leaving an app running unsupervised.
  loadAddon();
  const session = sessionId();
  const dir = createSessionDir(session);
  addCleanup(() => removeSessionSegments(session, DEFAULT_SHM_DIR));

  // The shim also carries the signal history, the exec guard (seed 000), the control thread (d, p) and --profile-*
  // scoping: it is preloaded whatever is counted. A root that counts nothing (--no-alloc, or not selected by
  // --alloc=MATCH) gets the count-free build: its malloc is not interposed at all (no 1.09x for nothing); the exec
  // wrappers choose the build for every later image the same way.
  const countRoot = args.alloc && rootCounted(args.allocMatch, resolved.path, args.command);
  const shim = builtShimPath(!countRoot);
  const env = profilingEnv(
    shimEnv({ session, shimPath: shim, allocMatch: args.allocMatch ?? undefined, shmDir: DEFAULT_SHM_DIR }, appEnv),
    {
      cpuMatch: args.profileCpu,
      heapMatch: args.profileHeap,
      out: out.path,
      ctlDir: dir.dir,
      tcmalloc,
      rootPath: resolved.path,
      rootArgv0: args.command,
      noCount: !args.alloc,
    },
  );
  const cols = process.stdout.columns ?? 80;
  const rows = process.stdout.rows ?? 24;
  const tree = launch({
    command: args.command,
    args: args.args,
    env,
    mode: args.json ? 'pipe' : 'pty',
    cols,
    rows: Math.max(3, Math.floor(rows / 3)),
    sessionDir: dir.dir,
  });
  let live: LiveSession;
  try {
    live = new LiveSession({
      title: shellLine(args.command, args.args),
      interval: args.interval,
      tree,
      session,
      alloc: args.alloc && shim !== null,
      allocMatch: args.allocMatch,
      screenSize: { cols, rows: Math.max(3, Math.floor(rows / 3)) },
      rootArgv: [args.command, ...args.args],
      out,
      controlDir: shim !== null ? dir.dir : undefined,
    });
  } catch (err) {
    // Nothing supervises the app without a session: end its tree before reporting.
    await tree.endTree().catch(() => {});
    await tree.done.catch(() => 0);
    dir.remove();
    throw err;
  }
  // SIGINT/TERM/HUP to perftop: end the app's tree, clean up, exit 128+N.
  const unhook = exitOnSignals(() => live.quit());
  addCleanup(() => live.close());
  try {
    if (args.json) {
      const exit = await runJson(live, process.stdout);
      await live.quit(); // orphans the app left behind end with it; all of the tree when stdout went away
      return exitCodeOf(exit ?? (await live.whenAppExits()));
    }
    await runTuiFor(live, theme!, args);
    const exit = live.appExit();
    return exit ? exitCodeOf(exit) : 0;
  } finally {
    unhook();
    live.close();
    await tree.done.catch(() => 0);
    removeSessionSegments(session, DEFAULT_SHM_DIR);
    dir.remove();
  }
}

/** A thread id given to -p means its process: /proc/TID/status names the thread group. */
function threadGroupOf(pid: number): number {
  try {
    return parseStatus(readFileSync(`/proc/${pid}/status`, 'utf8')).tgid || pid;
  } catch {
    return pid;
  }
}

async function attach(args: AttachArgs, theme: Theme | null): Promise<number> {
  args = { ...args, pid: threadGroupOf(args.pid) };
  try {
    process.kill(args.pid, 0);
  } catch (err) {
    // Another user's process: /proc still shows most of it (as htop does); only signals will be refused.
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') throw new UserError(`pid ${args.pid}: no such process`, 1);
  }
  const live = new LiveSession({
    title: `attach ${args.pid}`,
    interval: args.interval,
    tree: null,
    attachPid: args.pid,
    alloc: false,
    allocMatch: null,
    out: args.out,
  });
  const unhook = exitOnSignals(async () => live.close());
  try {
    // The attached process is not ours to end, whatever ended the run. Its status when perftop saw it (as a zombie
    // its parent had not reaped yet), else 0: there is nothing else to go by.
    const known = (exit: ExitInfo | null) => (exit && (exit.code !== undefined || exit.signal !== undefined) ? exitCodeOf(exit) : 0);
    if (args.json) return known(await runJson(live, process.stdout));
    await runTuiFor(live, theme!, args);
    return known(live.appExit());
  } finally {
    unhook();
    live.close();
  }
}

async function runTuiFor(live: LiveSession, theme: Theme, opts: RunOptions): Promise<void> {
  const { runTui } = await import('../ui/index.js');
  live.start();
  await runTui(live, { theme, exitWithApp: opts.exitWithApp });
}
