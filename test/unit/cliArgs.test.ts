// The CLI contract (DESIGN.md "CLI (contract)"): one test per rule and per error.
import { profiledItself } from '../../src/cli.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseArgs, usageText, DEFAULT_OPTIONS, type ParsedArgs } from '../../src/cli/args.js';

function run(argv: string[]) {
  const r = parseArgs(argv);
  assert.equal(r.kind, 'run', JSON.stringify(r));
  return r as Extract<ParsedArgs, { kind: 'run' }>;
}
function usageError(argv: string[], pattern: RegExp) {
  const r = parseArgs(argv);
  assert.equal(r.kind, 'usage-error', JSON.stringify(r));
  const msg = (r as { message: string }).message;
  assert.match(msg, pattern);
  assert.ok(!msg.includes('\n'), 'usage errors are one line');
}

test('a bare command gets the defaults', () => {
  const r = run(['./app']);
  assert.equal(r.command, './app');
  assert.deepEqual(r.args, []);
  const { kind, command, args, ...opts } = r;
  assert.deepEqual(opts, { ...DEFAULT_OPTIONS });
});

test('options end at the first non-option: the app keeps its own flags', () => {
  const r = run(['-i', '2', 'ls', '-la', '--json', '-p', '3']);
  assert.equal(r.interval, 2);
  assert.equal(r.json, false);
  assert.equal(r.command, 'ls');
  assert.deepEqual(r.args, ['-la', '--json', '-p', '3']);
});

test('-- ends the options, so a command may start with a dash', () => {
  const r = run(['--json', '--', '-weird', '--alloc']);
  assert.equal(r.json, true);
  assert.equal(r.command, '-weird');
  assert.deepEqual(r.args, ['--alloc']);
});

test('interval: -i, -iN, --interval N, --interval=N and its bounds', () => {
  assert.equal(run(['-i', '0.5', 'x']).interval, 0.5);
  assert.equal(run(['-i0.25', 'x']).interval, 0.25);
  assert.equal(run(['--interval', '60', 'x']).interval, 60);
  assert.equal(run(['--interval=0.1', 'x']).interval, 0.1);
  usageError(['-i', '0.05', 'x'], /--interval must be seconds from 0\.1 to 60, got '0\.05'/);
  usageError(['-i', '61', 'x'], /--interval/);
  usageError(['-i', 'fast', 'x'], /got 'fast'/);
  usageError(['--interval=', 'x'], /--interval/);
  for (const odd of ['0x1', '1e0', 'Infinity']) usageError(['-i', odd, 'x'], new RegExp(`got '${odd}'`));
  assert.equal(run(['-i', '.5', 'x']).interval, 0.5);
});

test('an option that needs a value at the end of argv', () => {
  usageError(['--out'], /option '--out' needs a value/);
  usageError(['-i'], /option '-i' \(--interval\) needs a value/);
});

test('--alloc, --alloc=MATCH, --no-alloc', () => {
  assert.equal(run(['--alloc', 'x']).alloc, true);
  assert.equal(run(['--alloc', 'x']).command, 'x', '--alloc does not swallow the command');
  const m = run(['--alloc=work*', 'x']);
  assert.equal(m.alloc, true);
  assert.equal(m.allocMatch, 'work*');
  const off = run(['--no-alloc', 'x']);
  assert.equal(off.alloc, false);
  assert.equal(off.allocMatch, null);
  usageError(['--alloc=', 'x'], /--alloc= needs a MATCH/);
  usageError(['--alloc', '--no-alloc', 'x'], /conflict/);
});

test('profiling, --out, --theme, --exit-with-app', () => {
  const r = run(['--profile-cpu=srv*', '--profile-heap', 'worker', '--out', '/tmp/o', '--theme=light', '--exit-with-app', 'x']);
  assert.equal(r.profileCpu, 'srv*');
  assert.equal(r.profileHeap, 'worker');
  assert.equal(r.out, '/tmp/o');
  assert.equal(r.theme, 'light');
  assert.equal(r.exitWithApp, true);
  usageError(['--profile-cpu=', 'x'], /--profile-cpu needs a non-empty value/);
  usageError(['--theme', ' ', 'x'], /--theme needs a non-empty value/);
});

test('-p PID attaches, with no command and no shim', () => {
  const r = parseArgs(['-p', '42', '--json']);
  assert.equal(r.kind, 'attach');
  const a = r as Extract<ParsedArgs, { kind: 'attach' }>;
  assert.equal(a.pid, 42);
  assert.equal(a.json, true);
  assert.equal(a.alloc, false);
  assert.equal((parseArgs(['-p42']) as { pid: number }).pid, 42);
  usageError(['-p', 'abc'], /-p needs a process id, got 'abc'/);
  usageError(['-p', '0'], /-p needs a process id/);
  usageError(['-p', '-5'], /^-p needs a value \(a value starting with '-' is not one\)$/); // not node's wording
  usageError(['-p', '42', 'ls'], /no command allowed \('ls'\)/);
  usageError(['--alloc', '-p', '42'], /--alloc needs a launched command/);
});

test('help and version win over everything else that parses', () => {
  assert.equal(parseArgs(['-h']).kind, 'help');
  assert.equal(parseArgs(['--help', 'ls']).kind, 'help');
  assert.equal(parseArgs(['-i', '2', '-V']).kind, 'version');
  assert.equal(parseArgs(['--version']).kind, 'version');
  assert.equal(parseArgs(['ls', '--help']).kind, 'run', "the app's --help is the app's");
});

test('no command, unknown options, values given to flags', () => {
  usageError([], /no command given/);
  usageError(['--json'], /no command given/);
  usageError(['--bogus', 'x'], /^unknown option '--bogus'$/);
  usageError(['-z', 'x'], /^unknown option '-z'$/);
  usageError(['--json=yes', 'x'], /--json/);
  usageError([''], /empty command name/);
});

test('usage text names every option of the contract', () => {
  const u = usageText();
  for (const o of ['-i, --interval SEC', '--json', '--alloc[=MATCH]', '--no-alloc', '--profile-cpu=MATCH',
    '--profile-heap=MATCH', '--out DIR', '--theme NAME', '-p PID', '-h, --help', '-V, --version', '--exit-with-app'])
    assert.ok(u.includes(o), o);
});

test('profiledItself: gperftools preloaded into perftop with its switch set is refused, with the way to do it', () => {
  const maps = '7f0000-7f1000 r-xp 00000000 08:01 42 /usr/lib/x86_64-linux-gnu/libprofiler.so.0.5.5\n';
  assert.match(profiledItself({ CPUPROFILE: '/tmp/p' }, maps) ?? '', /CPUPROFILE is set .* use --profile-cpu=MATCH/);
  assert.equal(profiledItself({ CPUPROFILE: '/tmp/p' }, ''), null, 'not preloaded into perftop: the app gets it intact');
  assert.equal(profiledItself({}, maps), null, 'the library alone profiles nothing');
  const tc = '7f0000-7f1000 r-xp 00000000 08:01 42 /usr/lib/x86_64-linux-gnu/libtcmalloc.so.4.5.10\n';
  assert.match(profiledItself({ HEAPPROFILE: '/tmp/h' }, tc) ?? '', /HEAPPROFILE .* --profile-heap=MATCH/);
  assert.equal(profiledItself({ CPUPROFILE: '/tmp/p' }, tc), null, 'tcmalloc does not read CPUPROFILE');
});
