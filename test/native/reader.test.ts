// The reader treats segments as hostile: garbage, short files, lying headers, symlinks and stuck writers give an
// error entry for that file (and the process goes on); plus name parsing, stale-segment collection, addon loading.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, symlinkSync, truncateSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, test } from 'node:test';
import {
  SegmentReader,
  collectStaleSegments,
  loadAddon,
  parseSegmentName,
  sessionOwnerPid,
} from '../../src/native/index.js';
import { FIXTURE, SHIM, buildAll, sandbox, type Sandbox } from './helpers.js';

before(buildAll);

/** Run the sizes fixture to completion (stdin at EOF) and return its segment file as a template. */
function realSegment(box: Sandbox): { file: string; pid: number } {
  const r = spawnSync(FIXTURE, ['sizes'], {
    env: { PATH: process.env.PATH, LD_PRELOAD: SHIM, PERFTOP_SESSION: box.session, PERFTOP_SHM_DIR: box.dir },
    input: '',
  });
  assert.equal(r.status, 0);
  return { file: join(box.dir, `perftop-${box.session}-${r.pid}-0`), pid: r.pid };
}

// Header field offsets (native/perftop_segment.h, struct pt_header).
const OFF = { magic: 0, version: 8, totalSize: 16, slotCount: 24, slotsOffset: 32, pid: 56, gen: 60, foldSeq: 76, histNext: 128, cpuCount: 156, histOffset: 48 };

function corrupt(src: string, dst: string, edit: (b: Buffer) => Buffer | void): void {
  let b: Buffer = readFileSync(src);
  b = edit(b) ?? b;
  writeFileSync(dst, b, { mode: 0o600 });
}

test('garbage, truncated and lying segments give one error each; good ones still read', async (t) => {
  const box = sandbox(t);
  const good = realSegment(box);
  const bad = `${box.session.split('x')[0]}xbad`;
  const name = (pid: number, gen = 0) => join(box.dir, `perftop-${bad}-${pid}-${gen}`);
  const pid = good.pid;
  const cases: Array<[string, RegExp, (b: Buffer) => Buffer | void]> = [];
  cases.push(['garbage', /bad magic/, (b) => { for (let i = 0; i < b.length; i++) b[i] = (i * 131 + 7) & 0xff; }]);
  cases.push(['truncated', /truncated or padded: file has 3000 bytes/, (b) => b.subarray(0, 3000)]);
  cases.push(['short', /truncated: 100 bytes/, (b) => b.subarray(0, 100)]);
  cases.push(['version', /unsupported version 7/, (b) => { b.writeUInt32LE(7, OFF.version); }]);
  cases.push(['slots', /slot count 4294967295 out of range/, (b) => { b.writeUInt32LE(0xffffffff, OFF.slotCount); }]);
  cases.push(['offset', /slots .* outside the file/, (b) => { b.writeBigUInt64LE(1n << 40n, OFF.slotsOffset); }]);
  cases.push(['total', /header says 999999/, (b) => { b.writeBigUInt64LE(999999n, OFF.totalSize); }]);
  cases.push(['cpu', /cpu timer count 1000/, (b) => { b.writeUInt32LE(1000, OFF.cpuCount); }]);
  cases.push(['stuck', /never settled/, (b) => { b.writeUInt32LE(1, OFF.foldSeq); }]);
  cases.push(['kind', /bad kind 99/, (b) => {
    const hist = Number(b.readBigUInt64LE(OFF.histOffset));
    b.writeBigUInt64LE(1n, OFF.histNext);
    b.writeBigUInt64LE(2n, hist); // record 0 complete
    b.writeUInt16LE(99, hist + 20);
  }]);
  const expect = new Map<string, RegExp>();
  cases.forEach(([, re, edit], i) => {
    const file = name(pid, i);
    corrupt(good.file, file, (b) => {
      b.writeUInt32LE(i, OFF.gen); // the name's gen, so only the intended field is wrong
      return edit(b);
    });
    expect.set(file, re);
  });
  // header pid differs from the name's
  corrupt(good.file, name(pid + 1), () => {});
  expect.set(name(pid + 1), /does not match the file name/);
  // an old empty file (a writer that died between create and truncate); a young one is skipped as "being created"
  writeFileSync(name(pid + 2), '', { mode: 0o600 });
  utimesSync(name(pid + 2), new Date(Date.now() - 60_000), new Date(Date.now() - 60_000));
  expect.set(name(pid + 2), /truncated: 0 bytes/);
  writeFileSync(name(pid + 3), '', { mode: 0o600 });
  // a symlink is refused (O_NOFOLLOW), not followed
  symlinkSync(good.file, name(pid + 4));
  expect.set(name(pid + 4), /open: Too many levels of symbolic links/);
  // a valid copy under the bad session still reads
  const gen99 = Buffer.from(readFileSync(good.file));
  gen99.writeUInt32LE(99, OFF.gen);
  writeFileSync(name(pid, 99), gen99, { mode: 0o600 });

  const r = new SegmentReader({ session: bad, dir: box.dir }).read();
  assert.deepEqual(r.segments.map((s) => `${s.pid}-${s.gen}`), [`${pid}-99`]);
  assert.ok(r.segments[0].total.allocs >= 12);
  const got = new Map(r.errors.map((e) => [e.file, e.message]));
  for (const [file, re] of expect) assert.match(got.get(file) ?? '(no error)', re, file);
  assert.equal(r.errors.length, expect.size, JSON.stringify(r.errors, null, 1));
  // the good session is unaffected
  const ok = new SegmentReader({ session: box.session, dir: box.dir }).read();
  assert.equal(ok.segments.length, 1);
  assert.deepEqual(ok.errors, []);
});

test('truncation of the real file: the reader reports, never crashes', async (t) => {
  const box = sandbox(t);
  const good = realSegment(box);
  const pristine = readFileSync(good.file);
  for (const size of [0, 8, 200, 4096, 20000]) {
    writeFileSync(good.file, pristine);
    truncateSync(good.file, size);
    utimesSync(good.file, new Date(Date.now() - 60_000), new Date(Date.now() - 60_000));
    const r = new SegmentReader({ session: box.session, dir: box.dir }).read();
    assert.equal(r.segments.length, 0);
    assert.equal(r.errors.length, 1, `size ${size}`);
    assert.match(r.errors[0].message, /truncated/);
  }
});

test('a segment stays mapped between reads and follows its file: truncated in place, restored, replaced', async (t) => {
  const box = sandbox(t);
  const good = realSegment(box);
  const pristine = readFileSync(good.file);
  const old = new Date(Date.now() - 60_000);
  const reader = new SegmentReader({ session: box.session, dir: box.dir });
  assert.equal(reader.read().segments.length, 1);
  truncateSync(good.file, 4096); // same inode, shorter: the kept mapping must not be read past the new end
  utimesSync(good.file, old, old);
  assert.match(reader.read().errors[0]?.message ?? '', /truncated/);
  writeFileSync(good.file, pristine);
  assert.equal(reader.read().segments[0]?.pid, good.pid);
  // Unlinked and recreated under the same name with other contents: the new file is what gets read.
  reader.remove(good.file);
  const other = Buffer.from(pristine);
  other.writeInt32LE(good.pid + 1, OFF.pid);
  writeFileSync(good.file, other, { mode: 0o600 });
  utimesSync(good.file, old, old);
  assert.match(reader.read().errors[0]?.message ?? '', /header pid \d+ does not match/);
  reader.close();
});

test('remove() deletes only this session’s segments', async (t) => {
  const box = sandbox(t);
  const good = realSegment(box);
  const reader = new SegmentReader({ session: box.session, dir: box.dir });
  assert.throws(() => reader.remove('/etc/passwd'), /not a segment of session/);
  assert.throws(() => reader.remove(join(box.dir, `perftop-1xother-${good.pid}-0`)), /not a segment of session/);
  reader.remove(good.file);
  assert.equal(existsSync(good.file), false);
  reader.remove(good.file); // already gone: fine
});

test('segment names and session owners', () => {
  assert.deepEqual(parseSegmentName('perftop-4242x1a2b3c-4243-2'), { session: '4242x1a2b3c', pid: 4243, gen: 2 });
  assert.equal(parseSegmentName('perftop-4242x1a-0-0'), null);
  assert.equal(parseSegmentName('perftop-a-b-1-2'), null);
  assert.equal(parseSegmentName('perftop-4242x1a-12-1.tmp'), null);
  assert.equal(sessionOwnerPid('4242x1a2b3c'), 4242);
  assert.equal(sessionOwnerPid('abc'), null);
});

test('collectStaleSegments removes segments of dead perftop sessions only', async (t) => {
  const box = sandbox(t);
  const dead = spawnSync('true').pid; // exited and reaped: dead
  const files = {
    dead: join(box.dir, `perftop-${dead}xabc-100-0`),
    deadGen: join(box.dir, `perftop-${dead}xabc-100-1`),
    live: join(box.dir, `perftop-${process.pid}xabc-100-0`),
    other: join(box.dir, `perftop-notasession-100-0`),
    unrelated: join(box.dir, 'something-else'),
  };
  for (const f of Object.values(files)) writeFileSync(f, 'x');
  const removed = collectStaleSegments(box.dir).sort();
  assert.deepEqual(removed, [files.dead, files.deadGen].sort());
  assert.equal(existsSync(files.live) && existsSync(files.other) && existsSync(files.unrelated), true);
  assert.deepEqual(collectStaleSegments(join(box.dir, 'missing')), []);
});

test('loadAddon fails listing every path it tried', () => {
  assert.throws(
    () => loadAddon(['/nonexistent/a/perftop_reader.node', '/etc/hostname']),
    (err: Error) =>
      /Failed to load native module perftop_reader\.node/.test(err.message) &&
      err.message.includes('/nonexistent/a/perftop_reader.node: not found') &&
      err.message.includes('/etc/hostname: '),
  );
  assert.equal(typeof loadAddon().readSegment, 'function');
});
