// perftop's entry: argv → options → a run. Every failure the user can cause ends in one line on stderr and a
// non-zero status (2 usage, 126/127 command, 1 perftop itself); a stack trace only with PERFTOP_DEBUG=1.
import { readFileSync } from 'node:fs';
import { parseArgs, usageText } from './cli/args.js';
import { runApp, UserError } from './app/run.js';
import { version } from './app/version.js';

/**
 * gperftools preloaded into perftop itself, with its switch set (`CPUPROFILE=… LD_PRELOAD=libprofiler.so perftop …`):
 * it profiles perftop, and marks the variable for child processes by setting the high bit of its first byte, which
 * no JavaScript string can carry, so the app would get a mangled path and abort. Said in one line, with the way to
 * do it (the seed-000/002 lesson: profile only the processes named).
 */
export function profiledItself(env: NodeJS.ProcessEnv, maps?: string): string | null {
  if (!env.CPUPROFILE && !env.HEAPPROFILE) return null;
  try {
    maps ??= readFileSync('/proc/self/maps', 'utf8');
  } catch {
    return null;
  }
  const hit = env.CPUPROFILE && /\/libprofiler[^/]*\.so|\/libtcmalloc_and_profiler[^/]*\.so/.test(maps)
    ? { v: 'CPUPROFILE', opt: '--profile-cpu' }
    : env.HEAPPROFILE && /\/libtcmalloc[^/]*\.so/.test(maps)
      ? { v: 'HEAPPROFILE', opt: '--profile-heap' }
      : null;
  if (!hit) return null;
  return `${hit.v} is set and gperftools is preloaded into perftop itself (it would profile perftop and hand the app a mangled ${hit.v}): unset them and use ${hit.opt}=MATCH, or put both inside the command (perftop -- env LD_PRELOAD=${hit.v === 'CPUPROFILE' ? 'libprofiler.so.0' : 'libtcmalloc.so.4'} ${hit.v}=… ./app)`;
}

/** `appEnv`: the environment the app starts with (perftop's own may differ, e.g. NODE_ENV for React). */
export async function main(argv: string[], appEnv: NodeJS.ProcessEnv = process.env): Promise<number> {
  const parsed = parseArgs(argv);
  if (parsed.kind === 'usage-error') {
    process.stderr.write(`perftop: ${parsed.message} (see perftop --help)\n`);
    return 2;
  }
  if (parsed.kind === 'help') {
    process.stdout.write(usageText());
    return 0;
  }
  if (parsed.kind === 'version') {
    process.stdout.write(`perftop ${version()}\n`);
    return 0;
  }
  try {
    const self = profiledItself(appEnv);
    if (self) throw new UserError(self);
    return await runApp(parsed, appEnv);
  } catch (err) {
    if (err instanceof UserError) {
      process.stderr.write(`perftop: ${err.message}\n`);
      return err.status;
    }
    const e = err as Error;
    process.stderr.write(`perftop: internal error: ${e?.message ?? String(err)}\n`);
    if (process.env.PERFTOP_DEBUG) process.stderr.write(`${e?.stack ?? ''}\n`);
    return 1;
  }
}
