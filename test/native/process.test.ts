// Segments per process image: fork children get their own, exec gets gen+1, PERFTOP_ALLOC_MATCH and a missing
// PERFTOP_SESSION create none.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { SegmentReader } from '../../src/native/index.js';
import { FIXTURE, SHIM, buildAll, runFixture, sandbox } from './helpers.js';

before(buildAll);

test('fork without exec: the child has its own segment and the parent is not double-counted', async (t) => {
  const box = sandbox(t);
  const A = 1000;
  const B = 5000;
  const run = await runFixture(t, box, ['fork', String(A), String(B)]);
  const { segments, errors } = new SegmentReader({ session: box.session, dir: box.dir }).read();
  assert.deepEqual(errors, []);
  const parent = segments.find((s) => s.pid === run.pid);
  const child = segments.find((s) => s.pid === run.fields.child);
  assert.ok(parent && child, `segments: ${segments.map((s) => s.file).join(', ')}`);
  assert.equal(child.gen, 0);
  assert.ok(parent.total.allocs >= A && parent.total.allocs < A + 50, `parent allocs ${parent.total.allocs}`);
  assert.ok(child.total.allocs >= B && child.total.allocs < B + 50, `child allocs ${child.total.allocs} (not ${A}+)`);
  assert.ok(child.total.allocBytes < B * 1100, 'inherited memory is not counted again in the child');
  assert.equal(child.closed, true, 'the child ran exit() and its destructor');
  assert.equal(parent.closed, false);
  const mode = statSync(child.file).mode & 0o777;
  assert.equal(mode, 0o600);
  await run.finish();
});

test('exec: same pid, new segment with gen+1; the exec record names the path and the armed ITIMER_PROF', async (t) => {
  const box = sandbox(t);
  const run = await runFixture(t, box, ['exec']);
  const { segments, errors } = new SegmentReader({ session: box.session, dir: box.dir }).read();
  assert.deepEqual(errors, []);
  const gens = segments.filter((s) => s.pid === run.pid).sort((a, b) => a.gen - b.gen);
  assert.deepEqual(gens.map((s) => s.gen), [0, 1]);
  const [before, after] = gens;
  const exec = before.history.find((h) => h.kind === 'exec');
  assert.ok(exec, JSON.stringify(before.history));
  assert.match(exec.detail ?? '', /^\/proc\/self\/exe \[ITIMER_PROF armed; caught SIGPROF resets to SIG_DFL\]$/);
  assert.equal(exec.caller, 'main');
  assert.ok(before.total.allocs >= 100, 'the old image kept its counts');
  assert.ok(after.total.allocs >= 3 && after.total.allocs < 50, `new image counts from zero: ${after.total.allocs}`);
  assert.deepEqual(after.timers.prof, { armed: true, intervalUs: 10_000_000 }, 'itimers survive exec; read at start');
  await run.finish();
});

test('PERFTOP_ALLOC_MATCH: a non-matching process gets a segment that does not count (history only), a matching one counts', async (t) => {
  const box = sandbox(t);
  const base = {
    env: { ...process.env, LD_PRELOAD: SHIM, PERFTOP_SESSION: box.session, PERFTOP_SHM_DIR: box.dir },
    input: '',
  };
  const read = () => new SegmentReader({ session: box.session, dir: box.dir }).read().segments;
  execFileSync(FIXTURE, ['history'], { ...base, env: { ...base.env, PERFTOP_ALLOC_MATCH: 'nomatch*' } });
  const [skipped] = read();
  assert.equal(skipped.counting, false);
  assert.equal(skipped.total.allocs, 0, 'nothing counted');
  assert.deepEqual(skipped.threads, []);
  assert.ok(skipped.history.some((h) => h.kind === 'sigaction'), 'its signal history is still recorded');
  assert.ok(skipped.exitStatus !== null, 'and its exit status');
  for (const f of readdirSync(box.dir)) rmSync(join(box.dir, f));
  execFileSync(FIXTURE, ['sizes'], { ...base, env: { ...base.env, PERFTOP_ALLOC_MATCH: 'alloc_f*' } });
  const [counted] = read();
  assert.equal(counted.counting, true);
  assert.ok(counted.total.allocs > 0);
  for (const f of readdirSync(box.dir)) rmSync(join(box.dir, f));
  // comm matches too ("alloc_fixture" is 13 chars, so comm is the whole name); a glob on the dir does not
  execFileSync(FIXTURE, ['sizes'], { ...base, env: { ...base.env, PERFTOP_ALLOC_MATCH: '*/out/*' } });
  assert.equal(read()[0].counting, false);
});

test('no PERFTOP_SESSION: no segment at all', async (t) => {
  const box = sandbox(t);
  execFileSync(FIXTURE, ['history'], {
    env: { PATH: process.env.PATH, LD_PRELOAD: SHIM, PERFTOP_SHM_DIR: box.dir },
    input: '',
  });
  assert.deepEqual(readdirSync(box.dir), []);
});

test('default directory is /dev/shm and the file is 0600', async (t) => {
  const box = sandbox(t);
  const reader = new SegmentReader({ session: box.session });
  t.after(() => {
    for (const n of readdirSync('/dev/shm')) if (n.startsWith(`perftop-${box.session}-`)) reader.remove(join('/dev/shm', n));
  });
  const run = await runFixture(t, box, ['sizes'], { env: { PERFTOP_SHM_DIR: undefined } });
  const { segments } = reader.read();
  assert.equal(segments.length, 1);
  assert.equal(segments[0].file, `/dev/shm/perftop-${box.session}-${run.pid}-0`);
  assert.equal(statSync(segments[0].file).mode & 0o777, 0o600);
  await run.finish();
});
