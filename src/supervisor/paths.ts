// Where the native parts live: native/out/ at the package root, both from src/supervisor (tsx) and from
// dist/supervisor (compiled), which sit at the same depth. The shim's path is src/native's to define.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { shimPath } from '../native/shimPath.js';

export const INIT_PATH = fileURLToPath(new URL('../../native/out/perftop-init', import.meta.url));

/** The shim's path when it is built, else null (perftop then runs without allocation counters); countFree: the
 * build without the malloc family, for a run that counts nothing. */
export function builtShimPath(countFree = false): string | null {
  const p = shimPath(countFree);
  return existsSync(p) ? p : null;
}
