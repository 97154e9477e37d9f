// perftop's command line (DESIGN.md "CLI (contract)"), parsed without side effects. Options end at the first
// non-option word (or `--`): everything from there on is the app's command line, so `perftop ls -la` gives `-la`
// to ls. node:util parseArgs checks the option part strictly; the split and the optional value of `--alloc[=MATCH]`
// (which util.parseArgs cannot express) are done here first.
import { parseArgs as utilParseArgs } from 'node:util';

export interface RunOptions {
  /** Seconds between samples, 0.1 .. 60. */
  interval: number;
  json: boolean;
  /** Count allocations with the shim (off with --no-alloc, and always off when attaching). */
  alloc: boolean;
  /** --alloc=MATCH: count only matching processes; null counts every process. */
  allocMatch: string | null;
  profileCpu: string | null;
  profileHeap: string | null;
  /** --out DIR, or null for the default ./perftop-YYYYmmdd-HHMMSS/. */
  out: string | null;
  theme: string | null;
  /** Quit as soon as the app exits instead of keeping the last screen up. */
  exitWithApp: boolean;
}

export type ParsedArgs =
  | ({ kind: 'run'; command: string; args: string[] } & RunOptions)
  | ({ kind: 'attach'; pid: number } & RunOptions)
  | { kind: 'help' }
  | { kind: 'version' }
  | { kind: 'usage-error'; message: string };

export const DEFAULT_OPTIONS: Readonly<RunOptions> = Object.freeze({
  interval: 1,
  json: false,
  alloc: true,
  allocMatch: null,
  profileCpu: null,
  profileHeap: null,
  out: null,
  theme: null,
  exitWithApp: false,
});

const OPTIONS = {
  interval: { type: 'string', short: 'i' },
  json: { type: 'boolean' },
  'no-alloc': { type: 'boolean' },
  'profile-cpu': { type: 'string' },
  'profile-heap': { type: 'string' },
  out: { type: 'string' },
  theme: { type: 'string' },
  pid: { type: 'string', short: 'p' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'V' },
  'exit-with-app': { type: 'boolean' },
} as const;

/** Long names (without --) and short letters whose option takes a value. */
const VALUE_LONG = new Set(['interval', 'profile-cpu', 'profile-heap', 'out', 'theme', 'pid']);
const VALUE_SHORT = new Map([['i', 'interval'], ['p', 'pid']]);

export const MIN_INTERVAL = 0.1;
export const MAX_INTERVAL = 60;

type AllocToken = { kind: 'on'; match: string | null } | { kind: 'off' };

interface Split {
  options: string[];
  alloc: AllocToken[];
  command: string[];
}

/** Separates perftop's options from the app's command line; returns an error message for a value-less option. */
function split(argv: string[]): Split | string {
  const options: string[] = [];
  const alloc: AllocToken[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') return { options, alloc, command: argv.slice(i + 1) };
    if (!a.startsWith('-') || a === '-') return { options, alloc, command: argv.slice(i) };
    if (a === '--alloc') {
      alloc.push({ kind: 'on', match: null });
      continue;
    }
    if (a.startsWith('--alloc=')) {
      alloc.push({ kind: 'on', match: a.slice('--alloc='.length) });
      continue;
    }
    if (a === '--no-alloc') alloc.push({ kind: 'off' });
    options.push(a);
    if (a.startsWith('--')) {
      const name = a.slice(2);
      if (!name.includes('=') && VALUE_LONG.has(name)) {
        if (i + 1 >= argv.length) return `option '--${name}' needs a value`;
        options.push(argv[++i]);
      }
      continue;
    }
    // A short group such as -i0.5, -p 42 or -hV: the first value-taking letter takes the rest or the next word.
    for (let k = 1; k < a.length; k++) {
      const long = VALUE_SHORT.get(a[k]);
      if (!long) continue;
      if (k === a.length - 1) {
        if (i + 1 >= argv.length) return `option '-${a[k]}' (--${long}) needs a value`;
        options.push(argv[++i]);
      }
      break;
    }
  }
  return { options, alloc, command: [] };
}

/** node:util's messages are long and suggest things that do not apply here; keep one short line. */
function utilMessage(err: unknown): string {
  const e = err as { code?: string; message?: string };
  const msg = String(e?.message ?? err);
  if (e?.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
    const m = /Unknown option '([^']+)'/.exec(msg);
    return `unknown option '${m ? m[1] : msg}'`;
  }
  // "-p -5": a value that starts with a dash reads as a missing one; say what the option needs.
  const dash = /^Option '(-\w|--[\w-]+)' argument is ambiguous/.exec(msg);
  if (dash) return `${dash[1]} needs a value (a value starting with '-' is not one)`;
  return msg.split('\n')[0].replace(/\. To specify a positional.*$/, '').replace(/^Option/, 'option');
}

function nonEmpty(name: string, v: string | undefined): string | null | { error: string } {
  if (v === undefined) return null;
  return v.trim() === '' ? { error: `${name} needs a non-empty value` } : v;
}

export function parseArgs(argv: string[]): ParsedArgs {
  const s = split(argv);
  if (typeof s === 'string') return { kind: 'usage-error', message: s };

  let values: Record<string, string | boolean | undefined>;
  try {
    values = utilParseArgs({ args: s.options, options: OPTIONS, strict: true, allowPositionals: false }).values;
  } catch (err) {
    return { kind: 'usage-error', message: utilMessage(err) };
  }
  if (values.help) return { kind: 'help' };
  if (values.version) return { kind: 'version' };

  const usage = (message: string): ParsedArgs => ({ kind: 'usage-error', message });
  const opts: RunOptions = { ...DEFAULT_OPTIONS };

  if (values.interval !== undefined) {
    const text = String(values.interval).trim();
    const n = /^(\d+\.?\d*|\.\d+)$/.test(text) ? Number(text) : NaN; // plain decimal seconds: no 0x1, 1e0, Infinity
    if (!Number.isFinite(n) || n < MIN_INTERVAL || n > MAX_INTERVAL)
      return usage(`--interval must be seconds from ${MIN_INTERVAL} to ${MAX_INTERVAL}, got '${values.interval}'`);
    opts.interval = n;
  }
  opts.json = values.json === true;
  opts.exitWithApp = values['exit-with-app'] === true;

  const on = s.alloc.filter((t) => t.kind === 'on');
  if (on.length > 0 && s.alloc.some((t) => t.kind === 'off')) return usage('--alloc and --no-alloc conflict');
  if (s.alloc.some((t) => t.kind === 'off')) opts.alloc = false;
  const last = on[on.length - 1];
  if (last && last.kind === 'on' && last.match !== null) {
    if (last.match.trim() === '') return usage('--alloc= needs a MATCH (or use --alloc alone)');
    opts.allocMatch = last.match;
  }

  for (const [flag, key] of [
    ['--profile-cpu', 'profileCpu'],
    ['--profile-heap', 'profileHeap'],
    ['--out', 'out'],
    ['--theme', 'theme'],
  ] as const) {
    const v = nonEmpty(flag, values[flag.slice(2)] as string | undefined);
    if (v !== null && typeof v === 'object') return usage(v.error);
    opts[key] = v;
  }

  if (values.pid !== undefined) {
    const text = String(values.pid).trim();
    const pid = /^\d+$/.test(text) ? Number(text) : NaN;
    if (!Number.isSafeInteger(pid) || pid < 1) return usage(`-p needs a process id, got '${values.pid}'`);
    if (s.command.length > 0) return usage(`-p attaches to a running process: no command allowed ('${s.command[0]}')`);
    if (on.length > 0) return usage('--alloc needs a launched command: a running process has no shim (-p)');
    return { kind: 'attach', pid, ...opts, alloc: false, allocMatch: null };
  }
  if (s.command.length === 0) return usage('no command given (perftop [options] COMMAND [ARG...], or -p PID)');
  if (s.command[0] === '') return usage('empty command name');
  return { kind: 'run', command: s.command[0], args: s.command.slice(1), ...opts };
}

export function usageText(): string {
  return `perftop: a live view of a native process tree: processes, threads, signal dispositions, allocations.

usage:
  perftop [options] [--] COMMAND [ARG...]   run COMMAND's process tree under perftop
  perftop [options] -p PID                  attach to a running process and its descendants (no PTY, no shim)

options:
  -i, --interval SEC     sampling interval, default 1 (${MIN_INTERVAL} .. ${MAX_INTERVAL})
  --json                 no TUI: one JSON snapshot per line on stdout every interval, and a final one after the
                         app exits; the app's output goes to stderr; perftop exits with the app's status
  --alloc[=MATCH]        count allocations (default on, all processes); MATCH limits it; --no-alloc turns it off
  --profile-cpu=MATCH    CPU-profile only processes whose name or argv matches MATCH, from start
  --profile-heap=MATCH   heap-profile only processes matching MATCH, from start
  --out DIR              where profiles go; default ./perftop-YYYYmmdd-HHMMSS/ (created 0700 when first used)
  --theme NAME           a file in themes/ or a path; NO_COLOR=1 forces mono
  --exit-with-app        quit as soon as the app exits (default: keep the last view until q)
  -h, --help             this text
  -V, --version          perftop's version

MATCH is a glob against the process name (comm) or the basename of argv[0].
Options end at the first word that is not one: \`perftop ls -la\` passes -la to ls.

exit status: the app's (128+N if signal N killed it, as shells do); 2 for a usage error; 126/127 when COMMAND
cannot be run; 1 when perftop itself fails.
`;
}
