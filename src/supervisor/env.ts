// The environment the app starts with: perftop's shim first in LD_PRELOAD (ahead of anything the user preloads),
// and the variables the shim reads (docs/INTERNALS.md). Pure: returns a new object, the base is not touched.
import { DEFAULT_SHM_DIR } from '../native/segmentName.js';

export { DEFAULT_SHM_DIR };

export interface ShimEnvOptions {
  session: string;
  /** Absolute path of libperftop.so (or its count-free build), or null when the shim is not built. */
  shimPath: string | null;
  /** --alloc=MATCH; absent counts every process. */
  allocMatch?: string;
  /** Where segments go; /dev/shm unless a test points elsewhere. */
  shmDir?: string;
}

/** ld.so splits LD_PRELOAD on colons and spaces. */
function preloadEntries(value: string | undefined): string[] {
  return (value ?? '').split(/[: ]+/).filter((s) => s !== '');
}

export function shimEnv(opts: ShimEnvOptions, base: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(base)) if (v !== undefined) env[k] = v;

  if (opts.shimPath) {
    const user = preloadEntries(env.LD_PRELOAD).filter((p) => p !== opts.shimPath);
    env.LD_PRELOAD = [opts.shimPath, ...user].join(':');
  }
  env.PERFTOP_SESSION = opts.session;
  env.PERFTOP_SHM_DIR = opts.shmDir ?? DEFAULT_SHM_DIR;
  // A perftop running under perftop must not pass the outer run's scope on.
  if (opts.allocMatch !== undefined && opts.allocMatch !== '') env.PERFTOP_ALLOC_MATCH = opts.allocMatch;
  else delete env.PERFTOP_ALLOC_MATCH;
  return env;
}
