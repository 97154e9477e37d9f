// The environment for --profile-cpu / --profile-heap (read by native/shim_control.c), and the root's preload.
// Scoping is per exec image: perftop decides for the root here (it knows the command before it runs); the shim's
// exec wrappers decide for every later image. Nothing here puts CPUPROFILE/HEAPPROFILE or libprofiler in the
// environment: a profiler inherited through the environment is what kills and overwrites in seeds 000-002.
import { closeSync, existsSync, openSync, readSync } from 'node:fs';
import { matchesImage } from './match.js';
import { SHIM_NAMES } from '../native/shimPath.js';

const TCMALLOC_CANDIDATES = [
  '/usr/lib/x86_64-linux-gnu/libtcmalloc.so.4',
  '/usr/lib/aarch64-linux-gnu/libtcmalloc.so.4',
  '/usr/lib64/libtcmalloc.so.4',
  '/usr/lib/libtcmalloc.so.4',
];

export function findTcmalloc(candidates = TCMALLOC_CANDIDATES): string | null {
  return candidates.find((p) => existsSync(p)) ?? null;
}

/** The argv[0] the image of `path` will see: the interpreter named by a "#!" line (the kernel puts it there), else
 * argv0 as given. The shim's exec wrappers make the same test (native/shim_control.c, pt_exec_argv0). */
export function imageArgv0(path: string, argv0: string): string {
  let fd = -1;
  try {
    fd = openSync(path, 'r');
    const buf = Buffer.alloc(256);
    const n = readSync(fd, buf, 0, buf.length, 0);
    const head = buf.subarray(0, n).toString('latin1');
    if (!head.startsWith('#!')) return argv0;
    const m = /^#![ \t]*([^ \t\r\n]+)/.exec(head);
    if (!m || (m.index + m[0].length === n && n === buf.length)) return argv0; // no interpreter, or cut short
    return m[1];
  } catch {
    return argv0;
  } finally {
    if (fd >= 0) closeSync(fd);
  }
}

/** Does --alloc=MATCH (absent: everything) select the root? Its image gets the counting shim only then. */
export function rootCounted(allocMatch: string | null, rootPath: string, rootArgv0: string): boolean {
  return !allocMatch || matchesImage(allocMatch, rootPath, imageArgv0(rootPath, rootArgv0));
}

export interface ProfilingEnvOptions {
  cpuMatch: string | null;
  heapMatch: string | null;
  /** Absolute --out directory. */
  out: string;
  /** perftop's private session directory: the shim's control files go there (PERFTOP_CTL_DIR). */
  ctlDir: string;
  tcmalloc: string | null;
  /** The root's resolved executable and argv[0]. */
  rootPath: string;
  rootArgv0: string;
  /** The shim is loaded only to control and profile (--no-alloc with --profile-*). */
  noCount?: boolean;
}

/** Adds the shim's profiling variables to `env` (returned, not modified) and, when the root matches
 * --profile-heap, libtcmalloc right after the shim in LD_PRELOAD. */
export function profilingEnv(env: Record<string, string>, o: ProfilingEnvOptions): Record<string, string> {
  const out = { ...env };
  for (const k of ['PERFTOP_PROFILE_CPU', 'PERFTOP_PROFILE_HEAP', 'PERFTOP_OUT', 'PERFTOP_TCMALLOC', 'PERFTOP_NO_COUNT']) delete out[k];
  out.PERFTOP_CTL_DIR = o.ctlDir;
  out.PERFTOP_OUT = o.out;
  if (o.noCount) out.PERFTOP_NO_COUNT = '1';
  if (o.cpuMatch) out.PERFTOP_PROFILE_CPU = o.cpuMatch;
  if (o.heapMatch) {
    out.PERFTOP_PROFILE_HEAP = o.heapMatch;
    if (o.tcmalloc) {
      out.PERFTOP_TCMALLOC = o.tcmalloc;
      const list = (out.LD_PRELOAD ?? '').split(/[: ]+/).filter((s) => s !== '' && s !== o.tcmalloc);
      if (matchesImage(o.heapMatch, o.rootPath, imageArgv0(o.rootPath, o.rootArgv0))) {
        const at = list.findIndex((s) => SHIM_NAMES.some((n) => s.endsWith(`/${n}`)));
        list.splice(at + 1, 0, o.tcmalloc); // after the shim: the shim counts through tcmalloc
      }
      if (list.length) out.LD_PRELOAD = list.join(':');
    }
  }
  return out;
}
