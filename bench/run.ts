// `npm run bench`: every benchmark, each a separate process (a crash or an over-target result in one does not hide
// the others). Exit status: non-zero when any of them failed or missed its target.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));
let failed = 0;
for (const name of ['shim.ts', 'tui.ts']) {
  console.log(`\n== bench/${name}`);
  const r = spawnSync(process.execPath, ['--import', 'tsx', `${here}${name}`], { stdio: 'inherit' });
  if (r.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
