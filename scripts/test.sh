#!/usr/bin/env bash
# Install what the template's tests need into .venv and run them all.
# Usage: bash scripts/test.sh [pytest arguments]
# Needs: python3 (3.11+), make, git, terraform and Node.js 20+ with npm and npx (Node.js and CDK
# services, and the docs build, which fetches its pinned Mermaid with npm) on PATH.
set -euo pipefail
cd "$(dirname "$0")/.."

source scripts/env.sh tests/requirements.txt docs/requirements.txt

exec python -m pytest "$@"
