#!/usr/bin/env bash
# Builds the standalone executable dist/tsbgp with bun build --compile (works offline: the Bun runtime it
# embeds is the one in node_modules). Then runs it once, and prints its size and the shared libraries it
# needs (what a FROM scratch image must hold besides it, see README "The binary").
# Do not strip the result: a stripped dist/tsbgp loses the bundled code and acts as the plain bun executable.
set -eu
cd "$(dirname "$0")/.."
mkdir -p dist
./node_modules/.bin/bun build --compile --minify --bytecode cli.ts --outfile dist/tsbgp
./dist/tsbgp version
echo "dist/tsbgp: $(($(stat -c %s dist/tsbgp) / 1048576)) MiB"
if command -v ldd >/dev/null 2>&1; then ldd dist/tsbgp | sed 's/^/  /'; fi
