"""Fit a model's calibration and memorisation threshold on BrainBench (a build step).

    python -m brainweave.scoring.fit --model smollm2-135m-instruct \\
        --testcases ../shared/data/brainbench/BrainBench_Human_v0.1.csv --out results/

Runs the full BrainBench evaluation (fast path), writes its JSON, table and
calibration PNG to ``--out``, fits the gap-to-probability mapping with 5-fold
cross-validation and the memorisation threshold, and writes
``scoring/data/calibration-<model>.json`` (shipped as package data).
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

from brainweave.scoring.brainbench import (
    ab_labels,
    evaluate,
    format_table,
    item_prompts,
    load_testcases,
    plot_calibration,
)
from brainweave.scoring.calibration import fit_params, params_path_name
from brainweave.scoring.memorisation import RECITED_TEXTS, memorisation_ratio, threshold_between
from brainweave.scoring.models import load_model
from brainweave.scoring.perplexity import TransformersScorer


def _summary(x: list[float]) -> dict[str, float]:
    return {
        "n": len(x),
        "min": float(np.min(x)),
        "p1": float(np.percentile(x, 1)),
        "median": float(np.median(x)),
        "max": float(np.max(x)),
    }


def split_last_sentence(text: str) -> tuple[str, str]:
    """(everything up to the last sentence, the last sentence)."""
    cut = text.rstrip().rstrip(".").rfind(". ")
    return text[: cut + 2], text[cut + 2 :]


def split_half(text: str) -> tuple[str, str]:
    """Split at the space nearest the middle."""
    cut = text.find(" ", len(text) // 2)
    return text[: cut + 1], text[cut + 1 :]


def main() -> None:
    ap = argparse.ArgumentParser(description="fit calibration and memorisation threshold")
    ap.add_argument("--model", required=True)
    ap.add_argument("--testcases", type=Path, required=True)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--threads", type=int, default=None)
    ap.add_argument("--sentences", type=int, default=100, help="items for the threshold")
    ap.add_argument("--no-write", action="store_true", help="do not write package data")
    args = ap.parse_args()
    if args.threads:
        import torch

        torch.set_num_threads(args.threads)
    cases = load_testcases(args.testcases)
    scorer = TransformersScorer(load_model(args.model))
    scores: list = []
    t0 = time.perf_counter()
    result = evaluate(scorer, cases, fast=True, scores=scores)
    seconds = time.perf_counter() - t0
    args.out.mkdir(parents=True, exist_ok=True)
    slug = args.model.replace("/", "--")
    (args.out / f"brainbench-{slug}.json").write_text(result.model_dump_json(indent=2))
    plot_calibration(result, args.out / f"brainbench-{slug}.png")
    table = format_table(result)
    (args.out / f"brainbench-{slug}.txt").write_text(table + "\n")
    print(table)
    print(f"{len(cases)} items in {seconds:.1f} s")

    labels = ab_labels(len(cases))
    gaps = [a.sum_logprob - b.sum_logprob for a, b in scores]
    a_real = [1 - lab for lab in labels]
    whole = []
    novel = []
    for i, ((sa, sb), case, lab) in enumerate(zip(scores, cases, labels, strict=True)):
        pa, pb = item_prompts(case, lab)
        s_orig, p_orig = (sa, pa) if lab == 0 else (sb, pb)
        whole.append(memorisation_ratio(s_orig.sum_logprob, p_orig))
        if i < args.sentences:
            context, sentence = split_last_sentence(p_orig)
            sc = scorer.score(sentence, context)
            novel.append(memorisation_ratio(sc.sum_logprob, sentence, context))
    recited = {}
    for name, text in RECITED_TEXTS.items():
        context, rest = split_half(text)
        sc = scorer.score(rest, context)
        recited[name] = memorisation_ratio(sc.sum_logprob, rest, context)
    threshold = threshold_between(list(recited.values()), novel)
    params = fit_params(
        args.model,
        gaps,
        a_real,
        memorisation_threshold=threshold,
        checksum=scorer.loaded.checksum,
        source=f"{args.testcases.name}, {len(cases)} items, seed-42 A/B order",
    )
    stats = {
        "calibration": params.model_dump(),
        "memorisation": {
            "recited": recited,
            "brainbench_last_sentences": _summary(novel),
            "brainbench_whole_prompts": _summary(whole),
            "threshold": threshold,
        },
        "seconds": seconds,
    }
    (args.out / f"fit-{slug}.json").write_text(json.dumps(stats, indent=2))
    print(json.dumps(stats, indent=2))
    if not args.no_write:
        out = Path(__file__).parent / "data" / params_path_name(args.model)
        out.write_text(params.model_dump_json(indent=2) + "\n")
        print(f"parameters -> {out}")


if __name__ == "__main__":
    main()
