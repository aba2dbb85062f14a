#!/usr/bin/env bash
# Runs the whole test suite on Deno and on Bun, then the conformance suite on both runtimes and on the
# compiled binary. Prints one summary per part and a last line "N passed, M failed"; exits non-zero on any
# failure or on a runner that printed no summary.
set -u
cd "$(dirname "$0")/.."
BIN=./node_modules/.bin
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
run_bun() {
  "$BIN/bun" test --timeout 120000 tests/ >"$out/bun.txt" 2>&1; local rc=$?
  local p f; p=$(sed -nE 's/^ *([0-9]+) pass$/\1/p' "$out/bun.txt" | tail -1); f=$(sed -nE 's/^ *([0-9]+) fail$/\1/p' "$out/bun.txt" | tail -1)
  if [ -z "$p" ]; then echo "bun: no summary (exit $rc)"; tail -40 "$out/bun.txt"; p=0; f=1; fi
  [ "$rc" -ne 0 ] && { grep -E '\(fail\)|error:' "$out/bun.txt" | head -60; [ "${f:-0}" -eq 0 ] && f=1; }
  echo "bun: $p passed, ${f:-0} failed"; total_pass=$((total_pass+p)); total_fail=$((total_fail+${f:-0}))
  [ "$rc" -ne 0 ] && status=1
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

run_typecheck() { # the library and the executable type-check (Deno's built-in TypeScript, strict)
  if "$BIN/deno" check cli.ts mod.ts >"$out/check.txt" 2>&1; then echo "typecheck: 1 passed, 0 failed"; total_pass=$((total_pass+1))
  else cat "$out/check.txt" | tail -40; echo "typecheck: 0 passed, 1 failed"; total_fail=$((total_fail+1)); status=1; fi
}

run_typecheck
run_deno
run_bun
if [ -f scripts/conformance.ts ]; then
  if [ "${SKIP_BINARY:-}" != 1 ]; then bash scripts/build.sh >"$out/build.txt" 2>&1 || { echo "build failed"; cat "$out/build.txt"; status=1; total_fail=$((total_fail+1)); }; fi
  run_conformance deno
  run_conformance bun
  [ -x dist/tsbgp ] && run_conformance binary
fi
rm -rf "$out"
echo "$total_pass passed, $total_fail failed"
exit $status
