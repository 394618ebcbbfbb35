#!/usr/bin/env bash
# Install what the template's tests need into .venv and run them all.
# Usage: bash scripts/test.sh [pytest arguments]
# Needs: python3 (3.11+), make, git, terraform and Node.js 20+ with npx (CDK services) on PATH.
set -euo pipefail
cd "$(dirname "$0")/.."

source scripts/env.sh tests/requirements.txt docs/requirements.txt

exec python -m pytest "$@"
