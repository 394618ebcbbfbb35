#!/usr/bin/env bash
# Assemble the FIFO render (node-service + fifo-overlay) in a temporary copy and run its tests.
# The overlay holds exactly the files that differ for queue_type=fifo; see NOTES.md.
# Needs `make install` in node-service first. node_modules is hard-linked (cp -al), not
# symlinked: through a symlink, vitest can load one package under two paths, and then
# `instanceof` checks on its error classes fail.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$here/node-service" && tar cf - --exclude=./node_modules --exclude=./.venv --exclude=./dist .) | (cd "$work" && tar xf -)
cp -al "$here/node-service/node_modules" "$work/node_modules" 2>/dev/null ||
  cp -a "$here/node-service/node_modules" "$work/node_modules"
ln -s "$here/node-service/.venv" "$work/.venv"
cp -r "$here/fifo-overlay/." "$work/"
# The one line of tests/support/aws.ts that the queue type changes.
sed -i 's/^export const FIFO = false as boolean;/export const FIFO = true as boolean;/' "$work/tests/support/aws.ts"
grep -q '^export const FIFO = true' "$work/tests/support/aws.ts"
cd "$work"
npx tsc --noEmit
npx eslint src tests
npx prettier --check src tests
npx vitest run "$@"
