#!/usr/bin/env bash
# The main job on the embedded defaults: install, ingest the real corpora, build one
# FAISS index per domain with the packaged all-MiniLM-L6-v2, and search each domain.
# Usage: bash scripts/demo.sh [DATA_DIR] [extra `index build` flags, e.g. --max-docs 500]
set -euo pipefail
cd "$(dirname "$0")/.."
data=${1:-../shared/data}
shift || true
bash scripts/install.sh
export HF_HUB_OFFLINE=1
.venv/bin/brainweave index build --data "$data" "$@"
.venv/bin/brainweave corpus list --data "$data"
.venv/bin/brainweave search genetics "apolipoprotein E and Alzheimer's disease" -k 3
.venv/bin/brainweave search neuroimaging "hippocampal atrophy and memory decline" -k 3
.venv/bin/brainweave search clinical "deep brain stimulation for Parkinson's disease" -k 3
