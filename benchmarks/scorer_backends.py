"""BrainBench through the llama.cpp scorer vs the transformers fp32 scorer, one run.

    nice -n 10 python benchmarks/scorer_backends.py --model smollm2-135m-instruct --limit 200 \\
        --threads 1

Both backends score the same BrainBench human-set items with the same packaged GGUF:
transformers on its fp32 dequantisation (the shared-prefix fast path, the same numbers
as the paper's method), llama.cpp on the quantized file as it is. Printed: each
backend's accuracy with a 95% Wilson interval, the agreement of their per-item choices,
the largest relative perplexity difference, how often the two tokenizers agree, and
items/s of each with the ratio against transformers fp32. ``--server`` adds the
openai-logprobs backend against a running server on the first few items.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import time
from pathlib import Path

from brainweave.scoring.brainbench import BrainBenchResult, evaluate, load_testcases

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
CSV = DATA / "brainbench" / "BrainBench_Human_v0.1.csv"


def wilson(k: int, n: int, z: float = 1.959964) -> tuple[float, float]:
    """The 95% Wilson score interval of a proportion k/n."""
    if n == 0:
        return (0.0, 1.0)
    p = k / n
    den = 1 + z * z / n
    mid = (p + z * z / (2 * n)) / den
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / den
    return (mid - half, mid + half)


def _run(scorer: object, cases: list) -> tuple[BrainBenchResult, float]:
    scorer.score_many(["warm-up text for the scorer.", "warm-up text for the model."])  # type: ignore[attr-defined]
    t0 = time.perf_counter()
    res = evaluate(scorer, cases, fast=True)
    return res, time.perf_counter() - t0


def _line(label: str, res: BrainBenchResult, seconds: float) -> str:
    k = int(res.correct().sum())
    lo, hi = wilson(k, res.n)
    return (
        f"  {label:<26} accuracy {res.accuracy:6.1%} ({k}/{res.n}, 95% CI {lo:.1%}-{hi:.1%}), "
        f"ties {res.ties}; {res.n / seconds:5.2f} items/s ({seconds:.0f} s)"
    )


def _compare(a: BrainBenchResult, b: BrainBenchResult) -> tuple[int, float]:
    same = sum(x.choice == y.choice for x, y in zip(a.items, b.items, strict=True))
    rel = max(
        abs(p - q) / p
        for x, y in zip(a.items, b.items, strict=True)
        for p, q in zip(x.ppl, y.ppl, strict=True)
    )
    return same, rel


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--model", default="smollm2-135m-instruct")
    ap.add_argument("--testcases", type=Path, default=CSV)
    ap.add_argument("--limit", type=int, default=200)
    ap.add_argument("--threads", type=int, default=1, help="torch and llama.cpp CPU threads")
    ap.add_argument("--server", default=None, help="also score through this /v1 base URL")
    ap.add_argument("--server-items", type=int, default=5)
    ap.add_argument("--json", type=Path, default=None, help="write the figures here")
    args = ap.parse_args()

    import torch

    from brainweave.scoring.brainbench import ab_labels, item_prompts
    from brainweave.scoring.llamacpp_scorer import LlamaCppScorer, resolve_gguf
    from brainweave.scoring.models import load_model
    from brainweave.scoring.perplexity import TransformersScorer

    torch.set_num_threads(args.threads)
    cases = load_testcases(args.testcases)[: args.limit]
    print(
        f"model {args.model}, {len(cases)} BrainBench human items, {args.threads} thread(s) "
        f"for torch and llama.cpp; load average {os.getloadavg()[0]:.2f} at the start"
    )
    gguf = resolve_gguf(args.model)
    t0 = time.perf_counter()
    hf = TransformersScorer(load_model(args.model))
    t_hf_load = time.perf_counter() - t0
    t0 = time.perf_counter()
    lc = LlamaCppScorer(gguf, name=args.model, threads=args.threads)
    t_lc_load = time.perf_counter() - t0
    print(
        f"  loaded: transformers fp32 {t_hf_load:.1f} s, llama.cpp {t_lc_load:.1f} s ({gguf.name})"
    )

    same_tokens = 0
    labels = ab_labels(len(cases))
    for case, label in zip(cases, labels, strict=True):
        for text in item_prompts(case, label):
            same_tokens += hf.encode(text) == lc.encode(text)

    r_hf, t_hf = _run(hf, cases)
    r_lc, t_lc = _run(lc, cases)
    same, rel = _compare(r_hf, r_lc)
    n = len(cases)
    print(_line("transformers fp32 (fast)", r_hf, t_hf))
    print(_line("llama.cpp (GGUF as is)", r_lc, t_lc))
    print(
        f"  same choice on {same}/{n} items; largest relative perplexity difference {rel:.2e}; "
        f"identical token ids on {same_tokens}/{2 * n} prompts"
    )
    print(f"  llama.cpp / transformers fp32 speed: {t_hf / t_lc:.2f}x")
    report: dict = {
        "model": args.model,
        "gguf": str(gguf),
        "items": n,
        "threads": args.threads,
        "transformers": {"accuracy": r_hf.accuracy, "seconds": t_hf, "items_s": n / t_hf},
        "llamacpp": {"accuracy": r_lc.accuracy, "seconds": t_lc, "items_s": n / t_lc},
        "same_choice": same,
        "max_rel_ppl_diff": rel,
        "same_token_ids": same_tokens,
        "speedup": t_hf / t_lc,
    }
    if args.server:
        from brainweave.scoring.openai_logprobs_scorer import OpenAILogprobsScorer

        srv = OpenAILogprobsScorer(args.server, args.model)
        sub = cases[: args.server_items]
        r_srv, t_srv = _run(srv, sub)
        r_sub = evaluate(lc, sub, fast=True)
        s_same, s_rel = _compare(r_sub, r_srv)
        print(_line(f"server {args.server}", r_srv, t_srv))
        print(
            f"  server vs in-process llama.cpp: same choice on {s_same}/{len(sub)}, largest "
            f"relative perplexity difference {s_rel:.2e}"
        )
        report["server"] = {"items": len(sub), "same_choice": s_same, "max_rel_ppl_diff": s_rel}
    print(f"  load average {os.getloadavg()[0]:.2f} at the end")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
