#!/usr/bin/env bash
# Run the benchmarks (bench/run.py) and write docs/benchmarks.md with its plot.
# Usage: bash scripts/bench.sh [--no-suite]
# Needs what scripts/test.sh needs, plus Python 3.13 for the rendered service.
set -euo pipefail
cd "$(dirname "$0")/.."

source scripts/env.sh tests/requirements.txt bench/requirements.txt

exec python bench/run.py "$@"
