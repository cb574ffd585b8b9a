#!/usr/bin/env bash
# ctest's entry to the GGUF interop check: fails with a clear message (never skips) when node or
# the pinned npm packages are missing, so a machine without them cannot pass it by accident.
#   run_interop.sh LOWSPEC FIXTURES OUTDIR
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
if ! command -v node >/dev/null; then
  echo "gguf interop: node is not installed (scripts/dev setup installs nodejs)" >&2
  exit 1
fi
if [ ! -f "$here/node_modules/@huggingface/gguf/package.json" ]; then
  echo "gguf interop: $here/node_modules is missing: run 'npm ci --prefix $here' (scripts/dev setup does)" >&2
  exit 1
fi
exec node "$here/run_interop.mjs" "$@"
