#!/usr/bin/env bash
# Run the benchmarks (bench/run.py) and write docs/benchmarks.md with its plot.
# Usage: bash scripts/bench.sh [--no-suite]
# Needs what scripts/test.sh needs, plus Python 3.13 for the rendered service.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
.venv/bin/python -m pip install --quiet --requirement tests/requirements.txt \
  --requirement bench/requirements.txt 2>&1 | { grep -v "^WARNING: Location" || true; }
export PATH="$PWD/.venv/bin:$PATH"
export UV_PYTHON_DOWNLOADS=never

exec python bench/run.py "$@"
