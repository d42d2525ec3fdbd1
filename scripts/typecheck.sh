#!/usr/bin/env bash
# mypy on the package. The folders map into `brainweave` through package-dir, which
# mypy cannot follow, so check a tree of symlinks laid out as the installed package.
set -euo pipefail
cd "$(dirname "$0")/.."
tree=build/typecheck/brainweave
rm -rf build/typecheck && mkdir -p "$tree"
for f in brainweave/*; do ln -s "$PWD/$f" "$tree/$(basename "$f")"; done
for d in agents retrieval graphs ui corpora scoring sweeps knowledge; do
  [ -d "$d" ] && ln -s "$PWD/$d" "$tree/$d"
done
cd build/typecheck && ../../.venv/bin/mypy -p brainweave --config-file ../../pyproject.toml
