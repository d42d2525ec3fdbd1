#!/usr/bin/env bash
# The main job on the embedded defaults: install, build one FAISS index per domain from
# the real corpora with the packaged all-MiniLM-L6-v2, ask one real question with the
# packaged models (SmolLM2 agents through llama.cpp, the BrainBench scorer) and print
# the ranked, scored cross-domain hypotheses with their sources; then how to review them.
#
# Usage: bash scripts/demo.sh [DATA_DIR] [extra `index build` flags, e.g. --max-docs 300]
#   BRAINWEAVE_DEMO_QUESTION  the question to ask (default: an APOE question)
#   BRAINWEAVE_DEMO_SKIP_INSTALL=1  use the .venv as it is (the tests do)
set -euo pipefail
cd "$(dirname "$0")/.."
data=${1:-../shared/data}
shift || true
question=${BRAINWEAVE_DEMO_QUESTION:-"How do APOE variants relate to hippocampal atrophy and memory decline?"}
export HF_HUB_OFFLINE=1
start=$SECONDS
step() { printf '\n==> [%ds] %s\n' "$((SECONDS - start))" "$*"; }

if [ "${BRAINWEAVE_DEMO_SKIP_INSTALL:-}" != 1 ]; then
  step "1/4 installing into ./.venv: on a fresh 2-core machine about 13 min, most of it compiling llama-cpp-python once (the agents' LLM runtime); about 1 min when it is installed"
  bash scripts/install.sh
fi
bw=.venv/bin/brainweave

case " $* " in
  *" --max-docs "*) size="the first records of each source (--max-docs)" ;;
  *) size="all 111,712 passages of the eight corpora: over an hour on a 2-core CPU without native bf16; add --max-docs 300 for a quick look (a few minutes)" ;;
esac
step "2/4 building (or reusing) one FAISS index per domain from $data: $size"
"$bw" index build --data "$data" "$@"

out=build/demo/answer.json
step "3/4 asking: \"$question\" (about 30-60 s on 2 cores; the first run also prepares the scorer model once, about 80 s)"
"$bw" ask "$question" --json "$out"

run_id=$(.venv/bin/python -c 'import json, sys; print(json.load(open(sys.argv[1]))["run_id"])' "$out")
step "4/4 done in $((SECONDS - start)) s. The whole run (hypotheses, evidence, scores, provenance) is in $out"
cat <<TXT
Review the hypotheses in the app (accept / reject / edit, with notes):
    source .venv/bin/activate && brainweave ui
  then open http://127.0.0.1:8501 and pick run $run_id on the History page.
Resume or list runs from the terminal:   brainweave runs list
TXT
