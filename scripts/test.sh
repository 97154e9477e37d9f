#!/usr/bin/env bash
# npm test: builds the fixtures, then runs every test file (unit, component, native, supervisor, e2e) with Node's
# runner. Node 20's --test finds nothing without file arguments, so they are listed here. Ink draws nothing when
# CI=true, so the runner sees CI unset (the e2e tests drive the real binary in tmux).
set -euo pipefail
cd "$(dirname "$0")/.."
for d in native examples test/fixtures test/native; do
  [ -f "$d/Makefile" ] && make -s -C "$d"
done
npx tsc -p tsconfig.json   # e2e runs bin/perftop, which loads dist/
mapfile -t files < <(find test -name '*.test.ts' -o -name '*.test.tsx' | sort)
[ ${#files[@]} -gt 0 ] || { echo "no test files found" >&2; exit 1; }
status=0
env -u CI node --import tsx --test --test-timeout=180000 "${files[@]}" || status=$?
# Nothing of ours may outlive the run (the tests clean up; this catches a test that did not).
left=$(ls -d /dev/shm/perftop* /tmp/perftop-* 2>/dev/null || true)
if [ -n "$left" ]; then echo "test leftovers: $left" >&2; status=1; fi
exit $status
