"""Speed of the perplexity scorer: straightforward path vs shared-prefix fast path.

Run under the shared CPU lock, e.g.::

    flock /tmp/bw-cpu.lock python benchmarks/scorer.py --model smollm2-135m-instruct --limit 100

Both paths score the same BrainBench items with the same model in one run and
must agree (max relative perplexity difference printed, choices compared).
Then 8 hypothesis variants under one shared ~500-token evidence context are
scored both ways. ``--bf16`` adds a bf16 run of the fast path and reports how
many BrainBench choices change against fp32. ``--json-dir`` keeps the
BrainBench results of each path.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

from brainweave.scoring.brainbench import (
    BrainBenchResult,
    evaluate,
    item_prompts,
    load_testcases,
)
from brainweave.scoring.models import load_model
from brainweave.scoring.perplexity import TransformersScorer

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
CSV = DATA / "brainbench" / "BrainBench_Human_v0.1.csv"


def _brainbench(
    scorer: TransformersScorer, cases: list, fast: bool
) -> tuple[BrainBenchResult, float]:
    t0 = time.perf_counter()
    result = evaluate(scorer, cases, fast=fast)
    return result, time.perf_counter() - t0


def _variants_case(
    scorer: TransformersScorer, cases: list, groups: int, n_variants: int = 8
) -> dict:
    """``groups`` contexts of ~500 tokens, each with ``n_variants`` one-sentence texts."""
    tok = scorer.tokenizer
    sentences = [c.original.split(". ")[0].strip() + "." for c in cases]
    straight = fast = 0.0
    tokens = 0
    max_rel = 0.0
    for g in range(groups):
        pool = " ".join(c.original for c in cases[g * 3 : g * 3 + 6])
        ids = tok(pool, add_special_tokens=False)["input_ids"][:500]
        context = "Evidence: " + tok.decode(ids) + "\nHypothesis: "
        texts = [sentences[(g * n_variants + j) % len(sentences)] for j in range(n_variants)]
        t0 = time.perf_counter()
        ref = [scorer.score(t, context) for t in texts]
        t1 = time.perf_counter()
        got = scorer.score_many(texts, context)
        t2 = time.perf_counter()
        straight += t1 - t0
        fast += t2 - t1
        tokens += sum(len(scorer.encode(context + t)) for t in texts)
        for r, q in zip(ref, got, strict=True):
            max_rel = max(max_rel, abs(r.perplexity - q.perplexity) / r.perplexity)
    return {
        "groups": groups,
        "variants": n_variants,
        "tokens": tokens,
        "straightforward_s": straight,
        "fast_s": fast,
        "straightforward_tok_s": tokens / straight,
        "fast_tok_s": tokens / fast,
        "speedup": straight / fast,
        "max_rel_ppl_diff": max_rel,
    }


def _lm_eval_case(scorer: TransformersScorer, texts: list[str]) -> dict | None:
    """lm-evaluation-harness's loglikelihood_rolling on the same texts, if installed.

    The harness scores every token after its prefix token (EOT, or BOS where the
    model adds one); the same sum is computed here with the straightforward path
    on [prefix] + tokens, so the two must agree.
    """
    try:
        from lm_eval.api.instance import Instance
        from lm_eval.models.huggingface import HFLM
    except ImportError:
        return None
    lm = HFLM(
        pretrained=scorer.model,
        tokenizer=scorer.tokenizer,
        device="cpu",
        batch_size=1,
        max_length=scorer.window,
    )
    reqs = [
        Instance(request_type="loglikelihood_rolling", doc={}, arguments=(t,), idx=i)
        for i, t in enumerate(texts)
    ]
    t0 = time.perf_counter()
    got = lm.loglikelihood_rolling(reqs, disable_tqdm=True)
    t_lm = time.perf_counter() - t0
    tokens = 0
    max_rel = 0.0
    t0 = time.perf_counter()
    for text, ll in zip(texts, got, strict=True):
        ids = [lm.prefix_token_id, *lm.tok_encode(text)]
        ours = float(scorer.token_logprobs(ids).sum())
        tokens += len(ids)
        n = len(ids) - 1
        max_rel = max(max_rel, abs(np.exp(-ours / n) - np.exp(-ll / n)) / np.exp(-ours / n))
    t_ours = time.perf_counter() - t0
    return {
        "texts": len(texts),
        "tokens": tokens,
        "lm_eval_tok_s": tokens / t_lm,
        "straightforward_tok_s": tokens / t_ours,
        "max_rel_ppl_diff": max_rel,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--model", default="smollm2-135m-instruct")
    ap.add_argument("--testcases", type=Path, default=CSV)
    ap.add_argument("--limit", type=int, default=100)
    ap.add_argument("--groups", type=int, default=5, help="contexts in the variants case")
    ap.add_argument("--bf16", action="store_true", help="also time bf16 and count flips")
    ap.add_argument("--json-dir", type=Path, default=None)
    ap.add_argument("--skip-brainbench", action="store_true")
    ap.add_argument("--lm-eval", type=int, default=0, help="items for the lm-eval comparison")
    ap.add_argument("--threads", type=int, default=None, help="torch CPU threads")
    args = ap.parse_args()
    if args.threads:
        import torch

        torch.set_num_threads(args.threads)

    cases = load_testcases(args.testcases)[: args.limit]
    t0 = time.perf_counter()
    scorer = TransformersScorer(load_model(args.model))
    import torch

    print(
        f"model {args.model}: loaded in {time.perf_counter() - t0:.1f} s, "
        f"{torch.get_num_threads()} torch threads"
    )
    report: dict = {"model": args.model, "items": len(cases)}

    if not args.skip_brainbench:
        labels_tokens = 0
        from brainweave.scoring.brainbench import ab_labels

        for case, label in zip(cases, ab_labels(len(cases)), strict=True):
            a, b = item_prompts(case, label)
            labels_tokens += len(scorer.encode(a)) + len(scorer.encode(b))
        scorer.score_many(list(item_prompts(cases[0], 0)))  # warm-up
        ref, t_ref = _brainbench(scorer, cases, fast=False)
        fast, t_fast = _brainbench(scorer, cases, fast=True)
        rel = max(
            abs(x - y) / x
            for r, f in zip(ref.items, fast.items, strict=True)
            for x, y in zip(r.ppl, f.ppl, strict=True)
        )
        same = sum(r.choice == f.choice for r, f in zip(ref.items, fast.items, strict=True))
        n = len(cases)
        print(f"BrainBench, {n} items, {labels_tokens} prompt tokens, fp32:")
        for name, res, t in (
            ("straightforward", ref, t_ref),
            ("fast (shared prefix)", fast, t_fast),
        ):
            print(
                f"  {name:<22} {n / t:6.2f} items/s  {labels_tokens / t:7.0f} tokens/s  "
                f"accuracy {res.accuracy:.1%} ({int(res.correct().sum())}/{n}), ties {res.ties}"
            )
        print(
            f"  speed-up {t_ref / t_fast:.2f}x; max relative perplexity difference {rel:.2e}; "
            f"same choice on {same}/{n} items"
        )
        report["brainbench"] = {
            "prompt_tokens": labels_tokens,
            "straightforward_s": t_ref,
            "fast_s": t_fast,
            "straightforward_tok_s": labels_tokens / t_ref,
            "fast_tok_s": labels_tokens / t_fast,
            "speedup": t_ref / t_fast,
            "max_rel_ppl_diff": rel,
            "same_choice": same,
            "accuracy": {"straightforward": ref.accuracy, "fast": fast.accuracy},
        }
        if args.json_dir:
            args.json_dir.mkdir(parents=True, exist_ok=True)
            slug = args.model.replace("/", "--")
            (args.json_dir / f"{slug}-straightforward.json").write_text(ref.model_dump_json())
            (args.json_dir / f"{slug}-fast.json").write_text(fast.model_dump_json())
        if args.bf16:
            bf = TransformersScorer(load_model(args.model, dtype="bf16"))
            bf.score_many(list(item_prompts(cases[0], 0)))
            res16, t16 = _brainbench(bf, cases, fast=True)
            flips = sum(a.choice != b.choice for a, b in zip(fast.items, res16.items, strict=True))
            rel16 = float(
                np.max(
                    [
                        abs(x - y) / x
                        for a, b in zip(fast.items, res16.items, strict=True)
                        for x, y in zip(a.ppl, b.ppl, strict=True)
                    ]
                )
            )
            print(
                f"  bf16 fast path         {n / t16:6.2f} items/s  {labels_tokens / t16:7.0f} "
                f"tokens/s  accuracy {res16.accuracy:.1%}; {flips}/{n} choices differ from fp32; "
                f"max relative perplexity difference {rel16:.2e}"
            )
            report["bf16"] = {
                "seconds": t16,
                "flips": flips,
                "accuracy": res16.accuracy,
                "max_rel_ppl_diff": rel16,
                "tok_s": labels_tokens / t16,
            }

    if args.lm_eval:
        from brainweave.scoring.brainbench import ab_labels

        texts = [
            t
            for c, lab in zip(cases[: args.lm_eval], ab_labels(len(cases)), strict=False)
            for t in item_prompts(c, lab)
        ]
        le = _lm_eval_case(scorer, texts)
        if le is None:
            print("lm-evaluation-harness is not installed: its comparison is skipped")
        else:
            print(
                f"lm-evaluation-harness loglikelihood_rolling, {le['texts']} prompts: "
                f"{le['lm_eval_tok_s']:.0f} tokens/s vs straightforward "
                f"{le['straightforward_tok_s']:.0f} tokens/s; max relative perplexity "
                f"difference {le['max_rel_ppl_diff']:.2e}"
            )
            report["lm_eval"] = le

    if args.groups > 0:
        v = _variants_case(scorer, load_testcases(args.testcases), args.groups)
        print(
            f"8 variants sharing a ~500-token context ({v['groups']} contexts, "
            f"{v['tokens']} tokens):\n"
            f"  straightforward {v['straightforward_tok_s']:7.0f} tokens/s, fast "
            f"{v['fast_tok_s']:7.0f} tokens/s, speed-up {v['speedup']:.2f}x, "
            f"max relative perplexity difference {v['max_rel_ppl_diff']:.2e}"
        )
        report["variants"] = v
    if args.json_dir:
        slug = args.model.replace("/", "--")
        (args.json_dir / f"{slug}-benchmark.json").write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
