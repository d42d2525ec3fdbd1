"""Fit a model's calibration and memorisation threshold (a build step).

    python -m brainweave.scoring.fit --model smollm2-135m-instruct \\
        --testcases ../shared/data/brainbench/BrainBench_Human_v0.1.csv --out results/

Runs the full BrainBench evaluation (fast path), writes its JSON, table and
calibration PNG to ``--out``, fits the gap-to-probability mapping with 5-fold
cross-validation and the memorisation threshold, and writes
``scoring/data/calibration-<model>.json`` (shipped as package data).

    python -m brainweave.scoring.fit --model smollm2-135m-instruct \\
        --pairs smol.json --out results/

refits the mapping on single-sentence pairs instead (the ``--json`` output of
benchmarks/plausibility.py, its ``--pairs-log``, or a shipped
``calibration-pairs-<model>.json``), cross-validated over items
(:func:`~brainweave.scoring.calibration.fit_pairs`); it keeps the shipped fit's
memorisation threshold and record, and writes the parameters, the pairs it read and
the reliability table.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

from brainweave.errors import BrainweaveError
from brainweave.scoring.brainbench import (
    ab_labels,
    evaluate,
    format_table,
    item_prompts,
    load_testcases,
    plot_calibration,
)
from brainweave.scoring.calibration import (
    CalibrationParams,
    fit_pairs,
    fit_params,
    load_params,
    pairs_path_name,
    params_path_name,
)
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


DATA = Path(__file__).parent / "data"


def read_pairs(path: Path) -> list[dict]:
    """(item, condition, kind, gap) rows from a benchmark JSON, its JSON-lines log or a
    shipped pairs file."""
    try:
        text = path.read_text(encoding="utf-8")
        if path.suffix == ".jsonl":
            rows = [json.loads(line) for line in text.splitlines() if line.strip()]
        else:
            doc = json.loads(text)
            pairs = doc["pairs"]
            if isinstance(pairs, dict):  # benchmarks/plausibility.py --json
                rows = [{"condition": c, **r} for c, rs in pairs.items() for r in rs]
            else:
                rows = pairs
        out = [
            {"item": r["item"], "condition": r["condition"], "kind": r["kind"], "gap": r["gap"]}
            for r in rows
        ]
    except (OSError, ValueError, KeyError, TypeError) as err:
        raise BrainweaveError(
            f"cannot read sentence pairs from {path}: {err}",
            "pass the --json or --pairs-log output of benchmarks/plausibility.py",
        ) from err
    if not out:
        raise BrainweaveError(f"{path} holds no pairs", "run benchmarks/plausibility.py first")
    return out


def format_reliability(params: CalibrationParams) -> str:
    """The reliability bins as a Markdown table (out-of-fold, both orientations)."""
    lines = [
        "| predicted P(real) | pairs shown | mean predicted | observed real |",
        "|---|---|---|---|",
    ]
    for b in params.reliability or []:
        lines.append(f"| {b.lo:.1f}–{b.hi:.1f} | {b.n} | {b.predicted:.3f} | {b.observed:.3f} |")
    return "\n".join(lines)


def format_summary_row(params: CalibrationParams) -> str:
    """The README's calibration table row of one sentence fit."""
    lo, hi = params.ece_cv_interval or (float("nan"), float("nan"))
    folds = ", ".join(f"{e:.2f}" for e in params.fold_ece or [])
    cond = " / ".join(f"{e:.3f}" for e in (params.ece_by_condition or {}).values())
    return (
        f"| {params.model} | {params.n} ({params.n_items}) | {params.slope:.3f}, "
        f"{params.power:.2f} | {params.ece_before:.3f} | **{params.ece_cv:.3f}** "
        f"({lo:.3f}–{hi:.3f}) | {folds} | {cond} |"
    )


def _conditions_of(rows: list[dict], item: str) -> set[str]:
    return {r["condition"] for r in rows if r["item"] == item}


def refit_sentences(
    model: str, paths: list[Path], out: Path, write: bool = True, note: str = ""
) -> CalibrationParams:
    """Refit ``model``'s calibration on the sentence pairs in ``paths``."""
    shipped = load_params(model)
    if shipped is None:
        raise BrainweaveError(
            f"no shipped calibration for {model} to refit",
            "fit it on BrainBench first (--testcases)",
        )
    rows: list[dict] = []
    for p in paths:  # an item in two runs (drawn by both seeds) counts once
        seen = {r["item"] for r in rows}
        rows += [r for r in read_pairs(p) if r["item"] not in seen]
    conds = {r["condition"] for r in rows}  # an item a cut run left half-scored is out
    whole = {i for i in {r["item"] for r in rows} if conds <= _conditions_of(rows, i)}
    rows = [r for r in rows if r["item"] in whole]
    params = fit_pairs(
        model,
        [r["gap"] for r in rows],
        [r["item"] for r in rows],
        previous=shipped,
        conditions=[r["condition"] for r in rows],
        source=f"benchmarks/plausibility.py sentence pairs ({time.strftime('%d %b %Y')}): "
        f"{len(rows)} pairs of {len({r['item'] for r in rows})} BrainBench and PubMedQA "
        f"items, conditions {sorted({r['condition'] for r in rows})}"
        + (f"; {note}" if note else ""),
    )
    slug = model.replace("/", "--")
    out.mkdir(parents=True, exist_ok=True)
    (out / f"fit-sentences-{slug}.json").write_text(params.model_dump_json(indent=2) + "\n")
    print(params.model_dump_json(indent=2))
    print(format_reliability(params))
    print(format_summary_row(params))
    if write:
        head = json.dumps({"model": model, "source": params.source})[:-1]
        body = ",\n".join(json.dumps(r) for r in rows)  # one pair a line
        (DATA / pairs_path_name(model)).write_text(f'{head}, "pairs": [\n{body}\n]}}\n')
        (DATA / params_path_name(model)).write_text(params.model_dump_json(indent=2) + "\n")
        print(f"parameters -> {DATA / params_path_name(model)}")
    return params


def main() -> None:
    ap = argparse.ArgumentParser(description="fit calibration and memorisation threshold")
    ap.add_argument("--model", required=True)
    ap.add_argument("--testcases", type=Path, default=None)
    ap.add_argument("--pairs", type=Path, action="append", help="refit on sentence pairs")
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--threads", type=int, default=None)
    ap.add_argument("--sentences", type=int, default=100, help="items for the threshold")
    ap.add_argument("--no-write", action="store_true", help="do not write package data")
    ap.add_argument("--note", default="", help="with --pairs: added to the fit's source")
    args = ap.parse_args()
    if args.pairs:
        refit_sentences(args.model, args.pairs, args.out, not args.no_write, args.note)
        return
    if args.testcases is None:
        ap.error("give --testcases (BrainBench) or --pairs (sentence pairs)")
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
