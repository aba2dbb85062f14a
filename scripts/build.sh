#!/usr/bin/env bash
# Builds the standalone executable dist/tsbgp with bun build --compile (works offline).
set -eu
cd "$(dirname "$0")/.."
mkdir -p dist
./node_modules/.bin/bun build --compile --minify --bytecode cli.ts --outfile dist/tsbgp
