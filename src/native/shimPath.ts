// Where the LD_PRELOAD shim is (built by `make -C native`).
import { fileURLToPath } from 'node:url';

/** Absolute path of native/out/libperftop.so (the package root is two levels above this file, src/ or dist/). */
export function shimPath(): string {
  return fileURLToPath(new URL('../../native/out/libperftop.so', import.meta.url));
}
