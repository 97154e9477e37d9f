// The shim's allocation counters, read through SegmentReader from real fixture processes (LD_PRELOAD, a session,
// a private segment directory) while the threads of interest are still alive.
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { SegmentReader, loadAddon } from '../../src/native/index.js';
import type { SegmentData } from '../../src/native/types.js';
import { DLSYM_ALLOC, SHIM, TCMALLOC, buildAll, runFixture, sandbox, within, type Sandbox } from './helpers.js';

before(buildAll);

function only(box: Sandbox, pid: number): SegmentData {
  const r = new SegmentReader({ session: box.session, dir: box.dir }).read();
  assert.deepEqual(r.errors, []);
  const mine = r.segments.filter((s) => s.pid === pid);
  assert.equal(mine.length, 1, `one segment for pid ${pid}, got ${r.segments.map((s) => s.file).join(', ')}`);
  return mine[0];
}

function thread(seg: SegmentData, tid: number) {
  const th = seg.threads.find((x) => x.tid === tid);
  assert.ok(th, `thread ${tid} in ${JSON.stringify(seg.threads.map((x) => x.tid))}`);
  return th.counters;
}

async function pairs(t: import('node:test').TestContext, preload: string[]) {
  const box = sandbox(t);
  const N = 500_000;
  const run = await runFixture(t, box, ['pairs', String(N)], { preload });
  const seg = only(box, run.pid);
  assert.ok(within(seg.total.allocs, 2 * N, 0.001), `allocs ${seg.total.allocs} within 0.1% of ${2 * N}`);
  assert.ok(within(seg.total.frees, 2 * N, 0.001), `frees ${seg.total.frees} within 0.1% of ${2 * N}`);
  for (const tid of [run.fields.t1, run.fields.t2]) {
    const c = thread(seg, tid);
    assert.ok(c.allocs >= N && c.frees >= N, `thread ${tid}: ${c.allocs} allocs, ${c.frees} frees, want >= ${N}`);
    assert.equal(c.allocBytes, c.freeBytes, 'every block the thread allocated it also freed');
  }
  assert.equal(seg.closed, false);
  assert.deepEqual(await run.finish(), { code: 0, signal: null });
  assert.equal(only(box, run.pid).closed, true, 'exit destructor marks the segment closed');
}

test('two threads x N malloc/free pairs: totals within 0.1% of 2N, each thread >= N (glibc)', async (t) => {
  await pairs(t, [SHIM]);
});

test('the same on top of an LD_PRELOADed libtcmalloc', async (t) => {
  await pairs(t, [SHIM, TCMALLOC]);
});

test("the shim leaves glibc's mmap threshold alone: a 1 MiB block is placed as it would be without it", async (t) => {
  const usable = async (preload: string[]) => {
    const run = await runFixture(t, sandbox(t), ['threshold'], { preload });
    assert.deepEqual(await run.finish(), { code: 0, signal: null });
    return run.fields.usable;
  };
  const bare = await usable([]);
  assert.ok(bare > 1 << 20, `mmapped without the shim: ${bare}`);
  assert.equal(await usable([SHIM]), bare);
});

test('threads created and exiting while counting: exited slots fold into the total and slots are reused', async (t) => {
  const box = sandbox(t);
  const K = 300; // more threads than the segment has slots (256): only reuse gives the last one a slot
  const run = await runFixture(t, box, ['churn', String(K)]);
  const seg = only(box, run.pid);
  const last = thread(seg, run.fields.last);
  assert.equal(last.allocs, 7);
  assert.equal(last.frees, 0);
  assert.ok(last.allocBytes >= 7 * 200);
  // every churn thread's 10 allocs and 5 frees are in the total, counted once
  const others = seg.threads.filter((x) => x.tid !== run.fields.last);
  const liveAllocs = others.reduce((a, x) => a + x.counters.allocs, 0);
  const liveFrees = others.reduce((a, x) => a + x.counters.frees, 0);
  assert.equal(seg.total.allocs - 7 - liveAllocs, K * 10, 'folded allocs of exited threads');
  assert.equal(seg.total.frees - liveFrees, K * 5, 'folded frees of exited threads');
  assert.ok(seg.threads.length <= 3, `only live threads have slots, got ${seg.threads.length}`);
  assert.ok(seg.total.liveBytes >= K * 5 * 100 + 7 * 200, 'blocks the exited threads kept are still live');
  await run.finish();
});

for (const [name, preload, slack] of [
  ['glibc', [SHIM], 1.1],
  ['tcmalloc', [SHIM, TCMALLOC], 1.6],
] as const) {
  test(`realloc, calloc, reallocarray and the aligned variants count usable bytes exactly (${name})`, async (t) => {
    const box = sandbox(t);
    const run = await runFixture(t, box, ['sizes'], { preload: [...preload] });
    const c = thread(only(box, run.pid), run.fields.tid);
    assert.equal(c.allocs, run.fields.calls, 'one alloc per allocating call, realloc = free + alloc');
    assert.equal(c.frees, run.fields.calls, 'one free per freeing call, realloc(p, 0) included');
    assert.equal(c.allocBytes, c.freeBytes, 'everything allocated was freed: live bytes back to 0');
    assert.equal(c.liveBytes, 0);
    assert.ok(c.allocBytes >= run.fields.requested, `usable ${c.allocBytes} >= requested ${run.fields.requested}`);
    assert.ok(c.allocBytes <= run.fields.requested * slack + 1024, `usable ${c.allocBytes} close to requested`);
    assert.ok(c.peakBytes >= 8192 && c.peakBytes <= c.allocBytes, `peak ${c.peakBytes}`);
    await run.finish();
  });
}

test("a thread's peak live bytes are exact: the highest of its own running total, not a sample", async (t) => {
  const box = sandbox(t);
  const run = await runFixture(t, box, ['peak']);
  const c = thread(only(box, run.pid), run.fields.tid);
  assert.equal(c.peakBytes, run.fields.peak, 'peak equals the maximum the program tracked itself');
  assert.equal(c.liveBytes, 0, 'everything was freed');
  assert.equal(c.allocs, c.frees);
  await run.finish();
});

test('a single-threaded process that never held 16 KiB: its process peak is exact (its thread\'s), not 0', async (t) => {
  const box = sandbox(t);
  const run = await runFixture(t, box, ['small-peak']);
  const seg = only(box, run.pid);
  const c = thread(seg, run.fields.tid);
  assert.ok(c.peakBytes >= 10 * 1000, `thread peak ${c.peakBytes}`);
  assert.equal(seg.total.peakBytes, c.peakBytes);
  assert.ok(seg.total.liveBytes <= seg.total.peakBytes - 4 * 1000, `live ${seg.total.liveBytes}, peak ${seg.total.peakBytes}`);
  await run.finish();
});

test('the process peak follows frees made by another thread (producer/consumer), within the publish batch', async (t) => {
  const box = sandbox(t);
  const N = 20_000; // 20 MB passes through a ring of 64 blocks: a peak that ignored the consumer's frees would be ~20 MB
  const run = await runFixture(t, box, ['handoff', String(N)]);
  const seg = only(box, run.pid);
  const { peakBatch, freeCheck } = loadAddon();
  const slack = 2 * peakBatch + freeCheck * 1008 + 64 * 1024; // a batch per thread, one check interval of frees, stdio
  assert.ok(seg.total.peakBytes >= run.fields.max - slack, `process peak ${seg.total.peakBytes} vs ${run.fields.max}`);
  assert.ok(seg.total.peakBytes <= run.fields.max + slack, `process peak ${seg.total.peakBytes} vs ${run.fields.max}`);
  assert.ok(seg.total.frees >= N && seg.total.allocs >= N, 'every handed-off block was counted, alloc and free');
  await run.finish();
});

test('malloc from a signal handler on the counting thread loses no update', async (t) => {
  const box = sandbox(t);
  const run = await runFixture(t, box, ['signal', '100000']);
  const { tid, m, handled } = run.fields;
  assert.ok(handled >= 300, `signals handled: ${handled}`);
  const c = thread(only(box, run.pid), tid);
  assert.equal(c.allocs, m + handled, 'worker loop + one malloc per handled signal');
  assert.equal(c.frees, m + handled);
  assert.equal(c.allocBytes, c.freeBytes);
  await run.finish();
});

test('allocations made inside dlsym while the shim bootstraps come from its pool and are never passed to free', async (t) => {
  const box = sandbox(t);
  for (const preload of [[DLSYM_ALLOC, SHIM], [DLSYM_ALLOC, SHIM, TCMALLOC]]) {
    const run = await runFixture(t, box, ['sizes'], { preload });
    const c = thread(only(box, run.pid), run.fields.tid);
    assert.equal(c.allocs, run.fields.calls, 'hooks resolved through the allocating dlsym work normally');
    assert.deepEqual(await run.finish(), { code: 0, signal: null });
    const m = /dlsym_alloc: calls=(\d+) malloc_lookups=(\d+)/.exec(run.stderr());
    assert.ok(m, `interposer report in stderr: ${run.stderr()}`);
    assert.ok(Number(m[1]) >= 10, 'the shim resolved its hooks through the allocating dlsym');
    assert.equal(Number(m[2]), 1, 'malloc itself was resolved while allocating');
  }
});
