// Parsers on /proc text recorded on this machine (test/fixtures/proc/, produced by a throwaway C program).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  parseAuxv, parseChildren, parseCmdline, parseEnviron, parseStat, parseStatus, parseSyscall, parseWchan,
} from '../../src/probe/parse.js';

const FIX = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'proc');
const read = (rel: string): string => fs.readFileSync(path.join(FIX, rel), 'utf8');

test('parseStat: fields of a sleeping multi-threaded process', () => {
  const s = parseStat(read('threads/4898/stat'));
  assert.ok(s);
  assert.equal(s.pid, 4898);
  assert.equal(s.comm, 'fx');
  assert.equal(s.state, 'S');
  assert.equal(s.ppid, 1);
  assert.equal(s.numThreads, 5);
  assert.equal(s.starttime, 56808);
  assert.equal(s.rssPages, 280);
});

test('parseStat: comm with spaces and parentheses is split at the last ")"', () => {
  const real = read('threads/4898/stat');
  const tricky = real.replace('(fx)', '(a) b (c))');
  const s = parseStat(tricky);
  assert.ok(s);
  assert.equal(s.comm, 'a) b (c)');
  assert.equal(s.state, 'S');
  assert.equal(s.ppid, 1);
  assert.equal(s.numThreads, 5);
});

test('parseStat: a leader that exited is Z with rss 0; garbage and empty text give null', () => {
  const s = parseStat(read('leader-exit-after/5088/stat'));
  assert.ok(s);
  assert.equal(s.state, 'Z');
  assert.equal(s.numThreads, 4);
  assert.equal(s.rssPages, 0);
  assert.equal(parseStat(''), null);
  assert.equal(parseStat('not a stat line'), null);
});

test('parseStat: utime+stime are summed', () => {
  const fields = read('threads/4898/stat').split(' ');
  // fields[13], fields[14] are utime and stime (comm "fx" has no space)
  fields[13] = '7';
  fields[14] = '5';
  assert.equal(parseStat(fields.join(' '))?.ticks, 12);
});

test('parseStatus: masks, threads, VmRSS, ids', () => {
  const s = parseStatus(read('threads/4898/status'));
  assert.equal(s.state, 'S');
  assert.equal(s.threads, 5);
  assert.equal(s.tgid, 4898);
  assert.equal(s.ppid, 1);
  assert.equal(s.sigIgn, '0000000000001004');
  assert.equal(s.sigCgt, '0000000104000002');
  assert.equal(s.sigBlk, '0000000000000800');
  assert.equal(s.sigPnd, '0000000000000800');
  assert.equal(s.shdPnd, '0000000000000000');
  assert.ok(s.rssBytes !== null && s.rssBytes > 0 && s.rssBytes % 1024 === 0);
});

test('parseStatus: a leader that exited has no VmRSS but a live task does', () => {
  const leader = parseStatus(read('leader-exit-after/5088/status'));
  assert.equal(leader.state, 'Z');
  assert.equal(leader.threads, 4);
  assert.equal(leader.rssBytes, null);
  const worker = parseStatus(read('leader-exit-after/5088/task/5090/status'));
  assert.equal(worker.state, 'S');
  assert.equal(worker.rssBytes, 1404 * 1024);
});

test('parseStatus: per-thread blocked mask of the blocker thread', () => {
  const s = parseStatus(read('threads/4898/task/4909/status'));
  // The C program blocked SIGUSR1 (10) and glibc's SIGRTMIN+3 (37) in this thread only.
  assert.equal(s.sigBlk, (BigInt(1 << 9) | (1n << 36n)).toString(16).padStart(16, '0'));
});

test('parseCmdline: NUL-separated, arguments with spaces, empty file', () => {
  assert.deepEqual(parseCmdline(read('leader-exit-before/5088/cmdline')), ['./fx', 'leader-exit-late', 'arg1', 'two words']);
  assert.deepEqual(parseCmdline(read('leader-exit-after/5088/cmdline')), []);
  assert.deepEqual(parseCmdline('a\0\0b\0'), ['a', '', 'b']);
  assert.deepEqual(parseCmdline('no-trailing-nul'), ['no-trailing-nul']);
});

test('parseChildren: all tasks, trailing space, empty', () => {
  assert.deepEqual(parseChildren(read('tree/5192/task/5192/children')), [5194, 5199]);
  assert.deepEqual(parseChildren(read('tree/5194/task/5195/children')), [5200]);
  assert.deepEqual(parseChildren(read('tree/5198/task/5198/children')), []);
});

test('parseEnviron: keeps only the profiler variables', () => {
  const env = parseEnviron(read('threads/4898/environ'));
  assert.deepEqual(env, { HEAPPROFILESIGNAL: '12', CPUPROFILE: '/tmp/x.prof', LD_PRELOAD: '' });
  assert.equal((env as Record<string, string>).PATH, undefined);
  assert.deepEqual(parseEnviron(''), {});
  assert.deepEqual(parseEnviron('=x\0NOEQ\0CPUPROFILESIGNAL=12\0'), { CPUPROFILESIGNAL: '12' });
});

test('parseSyscall and parseWchan on recorded threads parked in poll, epoll_wait, select, pause', () => {
  const sc = (tid: number) => parseSyscall(read(`threads/4898/task/${tid}/syscall`));
  assert.equal(sc(4898), 34); // pause
  assert.equal(sc(4906), 7); // poll
  assert.equal(sc(4907), 232); // epoll_wait
  assert.equal(sc(4908), 270); // pselect6 (glibc's select)
  assert.equal(parseSyscall('running'), 'running');
  assert.equal(parseSyscall('-1 0x7ffd 0x0'), null);
  assert.equal(parseSyscall(''), null);
  assert.equal(parseWchan(read('threads/4898/task/4906/wchan')), 'poll_schedule_timeout.constprop.0');
  assert.equal(parseWchan(read('threads/4898/task/4907/wchan')), 'do_epoll_wait');
  assert.equal(parseWchan('0'), '');
});

test('parseAuxv: this process has AT_PAGESZ and AT_CLKTCK', () => {
  const a = parseAuxv(fs.readFileSync('/proc/self/auxv'));
  assert.equal(a.pageSize, 4096);
  assert.equal(a.clkTck, 100);
  assert.deepEqual(parseAuxv(new Uint8Array(0)), { pageSize: null, clkTck: null });
});
