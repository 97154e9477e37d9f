#!/usr/bin/env bash
# npm test: builds the fixtures, then runs every test file (unit, component, native, supervisor, e2e) with Node's
# runner. Node 20's --test finds nothing without file arguments, so they are listed here. Ink draws nothing when
# CI=true, so the runner sees CI unset (the e2e tests drive the real binary in tmux).
set -euo pipefail
cd "$(dirname "$0")/.."
for d in native examples test/fixtures test/native; do
  [ -f "$d/Makefile" ] && make -s -C "$d"
done
npx tsc -p tsconfig.json         # e2e runs bin/perftop, which loads dist/ (its bundle, made next)
node scripts/bundle.mjs
npx tsc -p tsconfig.check.json   # the tests and benches type-check too (tsx alone does not check types)
mapfile -t files < <(find test -name '*.test.ts' -o -name '*.test.tsx' | sort)
[ ${#files[@]} -gt 0 ] || { echo "no test files found" >&2; exit 1; }
marker=$(mktemp /tmp/ptest-start.XXXXXX)
status=0
env -u CI node --import tsx --test --test-timeout=180000 "${files[@]}" || status=$?
# Nothing of ours may outlive the run (the tests clean up; this catches a test that did not). A file counts when it
# appeared during this run and the perftop that owns it (the pid in its session id) is gone: a perftop that is
# still running elsewhere on the machine keeps its own files.
left=""
for f in /dev/shm/perftop-* /tmp/perftop-*; do
  [ -e "$f" ] && [ "$f" -nt "$marker" ] || continue
  owner=$(basename "$f" | sed -n 's/^perftop-\([0-9]*\)x.*/\1/p')
  if [ -n "$owner" ] && kill -0 "$owner" 2>/dev/null; then continue; fi
  left="$left $f"
done
rm -f "$marker"
if [ -n "$left" ]; then echo "test leftovers:$left" >&2; status=1; fi
exit $status
