"""The agents' LLM runtime: SmolLM2-135M-Instruct answering one synthesis prompt, three ways.

- baseline: transformers on the dequantised fp32 weights (greedy ``generate``);
- llama.cpp on the GGUF file as shipped, with llama-cpp-python's default threads
  (half the cores);
- llama.cpp with every available CPU (what brainweave uses).

Each answers the same hypothesis prompt (the controller's own, ~330 prompt
tokens) with a fixed number of new tokens; the figures are prompt tokens/s,
generated tokens/s and wall time per answer, best of ``--repeat``, and each
llama.cpp variant's ratio against the transformers baseline. Run it alone::

    flock /tmp/bw-cpu.lock python benchmarks/llm.py
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

from brainweave.agents.llamacpp import default_threads, resolve_gguf
from brainweave.graphs import prompts

FINDINGS = (
    "[F1] (genetics) People who inherit one copy of the APOE e4 allele have an increased "
    "chance of developing Alzheimer's disease.\n"
    "[F2] (neuroimaging) Hippocampal volume loss is faster in Alzheimer's disease."
)


def messages() -> list[dict[str, str]]:
    user = prompts.HYPOTHESIS.format(
        question="How do APOE variants relate to hippocampal atrophy and memory decline?",
        bridge="Alzheimer's disease",
        findings=FINDINGS,
    )
    return [{"role": "system", "content": prompts.SYNTH_SYSTEM}, {"role": "user", "content": user}]


def bench_transformers(new_tokens: int, repeat: int) -> dict[str, Any]:
    import torch

    from brainweave.scoring.models import load_model

    loaded = load_model("smollm2-135m-instruct", threads=default_threads())
    tok, model = loaded.tokenizer, loaded.model
    ids = tok.apply_chat_template(messages(), add_generation_prompt=True, return_tensors="pt")
    if not isinstance(ids, torch.Tensor):  # newer tokenizers return a BatchEncoding
        ids = ids["input_ids"]
    best_prompt, best_total = float("inf"), float("inf")
    for _ in range(repeat):
        with torch.inference_mode():
            t0 = time.perf_counter()
            model(ids)
            t1 = time.perf_counter()
            model.generate(
                ids, max_new_tokens=new_tokens, min_new_tokens=new_tokens, do_sample=False
            )
            t2 = time.perf_counter()
        best_prompt, best_total = min(best_prompt, t1 - t0), min(best_total, t2 - t1)
    n = ids.shape[1]
    return _figures("transformers fp32 (baseline)", n, new_tokens, best_prompt, best_total)


def bench_llamacpp(threads: int, new_tokens: int, repeat: int, label: str) -> dict[str, Any]:
    from llama_cpp import Llama

    path = resolve_gguf("smollm2-135m-instruct")
    llm = Llama(
        model_path=str(path),
        n_ctx=2048,
        n_threads=threads,
        n_threads_batch=threads,
        verbose=False,
        seed=0,
    )
    prompt = llm.tokenize(_chat_text(llm).encode(), special=True)
    best_prompt, best_total = float("inf"), float("inf")
    for _ in range(repeat):
        llm.reset()
        t0 = time.perf_counter()
        llm.eval(prompt)
        t1 = time.perf_counter()
        llm.reset()
        t2 = time.perf_counter()
        for got, _tok in enumerate(llm.generate(prompt, temp=0.0), start=1):
            if got >= new_tokens:
                break
        t3 = time.perf_counter()
        # generate() evaluated the prompt again: the generation time is the rest
        best_prompt, best_total = min(best_prompt, t1 - t0), min(best_total, t3 - t2)
    gen = max(1e-9, best_total - best_prompt)
    return _figures(label, len(prompt), new_tokens, best_prompt, gen)


def _chat_text(llm: Any) -> str:
    from llama_cpp.llama_chat_format import format_chatml

    return format_chatml(messages()).prompt


def _figures(label: str, n_prompt: int, n_new: int, prompt_s: float, gen_s: float) -> dict:
    return {
        "runtime": label,
        "prompt_tokens": n_prompt,
        "new_tokens": n_new,
        "prompt_tokens_per_s": round(n_prompt / prompt_s, 1),
        "generated_tokens_per_s": round(n_new / gen_s, 1),
        "answer_s": round(prompt_s + gen_s, 3),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--new-tokens", type=int, default=48, help="tokens generated per answer")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--json", type=Path, default=None)
    args = ap.parse_args()
    cpus = default_threads()
    rows = [bench_transformers(args.new_tokens, args.repeat)]
    half = max(1, cpus // 2)
    rows.append(bench_llamacpp(half, args.new_tokens, args.repeat, "llama.cpp, default threads"))
    rows.append(bench_llamacpp(cpus, args.new_tokens, args.repeat, f"llama.cpp, {cpus} threads"))
    base = rows[0]
    for r in rows:
        r["answer_speedup_vs_baseline"] = round(base["answer_s"] / r["answer_s"], 2)
        print(json.dumps(r))
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
