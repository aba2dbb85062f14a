#!/usr/bin/env bash
# Builds dist/tsbgp, runs the whole test suite on Deno and on Bun, the process-level tests once more against
# the binary (TSBGP_BIN), then the conformance suite on both runtimes and on the binary. Prints one summary per part and a last line "N passed, M failed"; exits non-zero on any
# failure or on a runner that printed no summary.
set -u
cd "$(dirname "$0")/.."
BIN=./node_modules/.bin
export NO_COLOR=1 # the summaries below are parsed from plain text
[ -x "$BIN/deno" ] && [ -x "$BIN/bun" ] || { echo "run 'npm ci' first (Deno and Bun come from npm)"; exit 2; }
total_pass=0; total_fail=0; status=0
out=$(mktemp -d)

run_deno() {
  "$BIN/deno" test -A --no-check --quiet tests/ >"$out/deno.txt" 2>&1; local rc=$?
  local line; line=$(grep -E '^(ok|FAILED) \|' "$out/deno.txt" | tail -1)
  local p f; p=$(sed -nE 's/.*\| ([0-9]+) passed.*/\1/p' <<<"$line"); f=$(sed -nE 's/.*\| ([0-9]+) failed.*/\1/p' <<<"$line")
  if [ -z "$p" ]; then echo "deno: no summary (exit $rc)"; tail -40 "$out/deno.txt"; p=0; f=1; fi
  [ "$rc" -ne 0 ] && { grep -E 'FAILED|=>|error' "$out/deno.txt" | head -60; [ "${f:-0}" -eq 0 ] && f=1; }
  echo "deno: $p passed, ${f:-0} failed"; total_pass=$((total_pass+p)); total_fail=$((total_fail+${f:-0}))
  [ "$rc" -ne 0 ] && status=1
}
run_bun() { # $1 = label, then what to test (default tests/); TSBGP_BIN=… before the call tests the binary
  local label=$1; shift
  "$BIN/bun" test --timeout 120000 "${@:-tests/}" >"$out/$label.txt" 2>&1; local rc=$?
  local p f; p=$(sed -nE 's/^ *([0-9]+) pass$/\1/p' "$out/$label.txt" | tail -1); f=$(sed -nE 's/^ *([0-9]+) fail$/\1/p' "$out/$label.txt" | tail -1)
  if [ -z "$p" ]; then echo "$label: no summary (exit $rc)"; tail -40 "$out/$label.txt"; p=0; f=1; fi
  [ "$rc" -ne 0 ] && { grep -E '\(fail\)|error:' "$out/$label.txt" | head -60; [ "${f:-0}" -eq 0 ] && f=1; }
  echo "$label: $p passed, ${f:-0} failed"; total_pass=$((total_pass+p)); total_fail=$((total_fail+${f:-0}))
  [ "$rc" -ne 0 ] && status=1
}
run_binary_tests() { # the process-level tests once more, against dist/tsbgp instead of the source
  local dirs=() d
  for d in tests/binary tests/interop tests/healthcheck tests/reliability tests/api/e2e tests/cli tests/security; do [ -d "$d" ] && dirs+=("$d"); done
  TSBGP_BIN="$PWD/dist/tsbgp" run_bun binary "${dirs[@]}"
}
run_conformance() { # $1 = target (deno|bun|binary)
  local f="$out/conf-$1.txt"
  "$BIN/bun" --no-install scripts/conformance.ts --target "$1" --jobs "${CONFORMANCE_JOBS:-4}" >"$f" 2>&1; local rc=$?
  # One line per test; the failure reports of must-pass tests (regressions) in full.
  grep -E '^(PASS|FAIL) ' "$f" | sed "s/^/  [$1] /" | cut -c1-160
  [ "$rc" -ne 0 ] && { echo "conformance ($1) regressions:"; tail -120 "$f"; }
  local summary line p fl
  summary=$(grep -E '^conformance ' "$f" | tail -1); line=$(tail -1 "$f")
  p=$(sed -nE 's/^([0-9]+) passed, ([0-9]+) failed.*/\1/p' <<<"$line"); fl=$(sed -nE 's/^([0-9]+) passed, ([0-9]+) failed.*/\2/p' <<<"$line")
  if [ -z "$p" ]; then echo "conformance ($1): no summary (exit $rc)"; p=0; fl=1; fi
  [ "$rc" -ne 0 ] && [ "$fl" -eq 0 ] && fl=1
  echo "${summary:-conformance $1: ?} — must-pass: $p passed, $fl failed"
  total_pass=$((total_pass+p)); total_fail=$((total_fail+fl))
  [ "$rc" -ne 0 ] && status=1
}

run_typecheck() { # the library, the executable, the tests and the scripts type-check (Deno's TypeScript, strict)
  if "$BIN/deno" check cli.ts mod.ts tests/ scripts/ >"$out/check.txt" 2>&1; then echo "typecheck: 1 passed, 0 failed"; total_pass=$((total_pass+1))
  else cat "$out/check.txt" | tail -40; echo "typecheck: 0 passed, 1 failed"; total_fail=$((total_fail+1)); status=1; fi
}

# The binary first: the empty-root test (tests/binary) runs it in every part below.
if [ "${SKIP_BINARY:-}" != 1 ]; then bash scripts/build.sh >"$out/build.txt" 2>&1 || { echo "build failed"; cat "$out/build.txt"; status=1; total_fail=$((total_fail+1)); }; fi
run_bench() { # the benchmark suite's quick run (10k routes) on every target: checks that it works, asserts no speed
  local targets=deno,bun,binary,exabgp,bird; [ -x dist/tsbgp ] || targets=deno,bun,exabgp,bird
  if "$BIN/bun" --no-install scripts/bench.ts --quick --targets "$targets" >"$out/bench.txt" 2>&1; then
    echo "bench --quick: 1 passed, 0 failed"; total_pass=$((total_pass+1))
  else tail -60 "$out/bench.txt"; echo "bench --quick: 0 passed, 1 failed"; total_fail=$((total_fail+1)); status=1; fi
}

run_typecheck
run_deno
run_bun bun
[ -x dist/tsbgp ] && run_binary_tests
if [ -f scripts/conformance.ts ]; then
  run_conformance deno
  run_conformance bun
  [ -x dist/tsbgp ] && run_conformance binary
fi
[ -f scripts/bench.ts ] && run_bench
rm -rf "$out"
echo "$total_pass passed, $total_fail failed"
exit $status
