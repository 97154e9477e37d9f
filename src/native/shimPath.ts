// Where the LD_PRELOAD shim is (built by `make -C native`).
import { fileURLToPath } from 'node:url';

/** Absolute path of native/out/libperftop.so (the package root is two levels above this file, src/ or dist/), or
 * with countFree, of libperftop-nocount.so: the same shim without the malloc family (--no-alloc). */
export function shimPath(countFree = false): string {
  const name = countFree ? 'libperftop-nocount.so' : 'libperftop.so';
  return fileURLToPath(new URL(`../../native/out/${name}`, import.meta.url));
}

/** Basenames of the two shims (LD_PRELOAD edits find ours among the user's). */
export const SHIM_NAMES: readonly string[] = ['libperftop.so', 'libperftop-nocount.so'];
