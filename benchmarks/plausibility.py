"""Plausibility at the level it is used: one sentence against its counterfactuals.

Items:

- **BrainBench**: each test case's first sentence that holds an expert edit
  (``[[original, altered]]``): the real sentence, the experts' altered sentence
  (kind ``expert``) and the counterfactuals brainweave makes of the real one;
- **PubMedQA** (``corpora/clinical/pubmedqa_pqal.json``, where present): the first
  sentence of each long answer (the conclusion), against its counterfactuals.

Each item is scored twice: with no evidence, and with evidence retrieved from the
project's index for the real sentence, with its own source record (its DOI or
PMID) and every BrainBench DOI left out. For each (real, altered) pair the
packaged scorer gives P(real | pair) (scoring.plausibility). Reported, per variant
kind and overall: accuracy (P > 0.5; Wilson 95% interval) and the ROC AUC of P as
a detector of which of a presented pair is the real one (each pair shown in a
seeded random order; 95% bootstrap interval over items).

    nice -n 10 python benchmarks/plausibility.py --n 60 --home HOME_WITH_AN_INDEX

``--write`` stores the with-evidence figures as the model's ``single_finding`` in
``scoring/data/scorer_quality.json`` (what cards and ``ask`` show).
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import re
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict

from brainweave.errors import BrainweaveError
from brainweave.scoring.brainbench import EDIT_RE
from brainweave.scoring.contamination import normalise_doi
from brainweave.scoring.counterfactuals import Variant, make_variants

_SENT = re.compile(r"(?<=[.!?])\s+(?=[A-Z(\[])")


class Item(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str
    dataset: str  # brainbench, pubmedqa
    source_id: str  # DOI or PMID: excluded from its evidence
    real: str
    variants: list[Variant]


def _resolve(text: str, pick: int) -> str:
    """``text`` with every ``[[a, b]]`` replaced by a (pick 0) or b (pick 1)."""
    return EDIT_RE.sub(lambda m: m.group(1).split(",")[pick].strip(), text)


def brainbench_records(csv_path: Path) -> tuple[list[tuple[str, str, str]], int]:
    """(DOI, real sentence, experts' altered sentence) per test case: its first
    sentence holding an edit; also how many had none that one sentence holds."""
    out, skipped = [], 0
    with csv_path.open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            combined = row.get("combined_abstract", "")
            sentence = next((s for s in _SENT.split(combined) if EDIT_RE.search(s)), None)
            if sentence is None or sentence.count("[[") != sentence.count("]]"):
                skipped += 1  # the edit spans a sentence break: no one sentence holds it
                continue
            real, altered = _resolve(sentence, 0), _resolve(sentence, 1)
            if real == altered:
                skipped += 1
                continue
            out.append((normalise_doi(row["doi"]), real, altered))
    return out, skipped


def brainbench_item(doi: str, real: str, altered: str, max_variants: int) -> Item:
    """The real sentence against the experts' alteration and brainweave's own."""
    bb = Variant(text=altered, kind="expert", original=real, altered=altered)
    ours = [v for v in make_variants(real, max_variants=max_variants) if v.text != altered]
    return Item(
        id=f"brainbench:{doi}",
        dataset="brainbench",
        source_id=doi,
        real=real,
        variants=[bb, *ours[: max(0, max_variants - 1)]],
    )


def pubmedqa_records(path: Path) -> list[tuple[str, str]]:
    """(PMID, first sentence of the long answer) per PubMedQA record."""
    if not path.is_file():
        return []
    out = []
    for pmid, rec in json.loads(path.read_text(encoding="utf-8")).items():
        answer = " ".join(str(rec.get("LONG_ANSWER") or "").split())
        first = _SENT.split(answer)[0] if answer else ""
        if first:
            out.append((pmid, first))
    return out


def pubmedqa_item(pmid: str, sentence: str, max_variants: int) -> Item | None:
    """The conclusion against its counterfactuals; None when none can be formed."""
    vs = make_variants(sentence, max_variants=max_variants)
    if not vs:
        return None
    return Item(
        id=f"pubmedqa:{pmid}", dataset="pubmedqa", source_id=pmid, real=sentence, variants=vs
    )


def draw_items(
    data: Path, n: int, seed: int, max_variants: int
) -> tuple[list[Item], dict[str, int], dict[str, int]]:
    """``n`` items, half BrainBench and half PubMedQA (in a seeded order); the
    records available, and those skipped because no variant could be formed."""
    rng = random.Random(seed)
    bb, bb_skipped = brainbench_records(data / "brainbench" / "BrainBench_Human_v0.1.csv")
    pq = pubmedqa_records(data / "corpora" / "clinical" / "pubmedqa_pqal.json")
    rng.shuffle(bb)
    rng.shuffle(pq)
    want_pq = min(n // 2, len(pq))
    items = [brainbench_item(*r, max_variants) for r in bb[: n - want_pq]]
    unalterable = 0
    for pmid, sentence in pq:
        if sum(i.dataset == "pubmedqa" for i in items) >= want_pq:
            break
        item = pubmedqa_item(pmid, sentence, max_variants)
        if item is None:
            unalterable += 1
        else:
            items.append(item)
    rng.shuffle(items)  # the two data sets interleaved: a run cut short is still a mix
    return (
        items,
        {"brainbench": len(bb), "pubmedqa": len(pq)},
        {"brainbench": bb_skipped, "pubmedqa (of those drawn)": unalterable},
    )


def _excluded(hit: Any, source_id: str, bb_dois: frozenset[str]) -> bool:
    fields = [hit.doc_id, hit.passage_id, hit.url or "", *map(str, hit.metadata.values())]
    blob = " ".join(fields).lower()
    if source_id.lower() in blob:
        return True
    doi = str(hit.metadata.get("doi") or "")
    return bool(doi) and normalise_doi(doi) in bb_dois


def evidence_for(
    retriever: Any, domains: list[str], item: Item, bb_dois: frozenset[str], max_chars: int = 1200
) -> str:
    """The top passages for the real sentence, its own record and BrainBench DOIs out."""
    hits = []
    for d in domains:
        hits += [
            h
            for h in retriever.search(d, item.real, 4, mode="bm25")
            if not _excluded(h, item.source_id, bb_dois)
        ]
    hits.sort(key=lambda h: -h.score)
    return "\n".join(h.text for h in hits[:2])[:max_chars]


def auc(scores: np.ndarray, labels: np.ndarray) -> float:
    """ROC AUC (Mann-Whitney, ties half)."""
    pos, neg = scores[labels == 1], scores[labels == 0]
    if not len(pos) or not len(neg):
        return float("nan")
    greater = (pos[:, None] > neg[None, :]).sum() + 0.5 * (pos[:, None] == neg[None, :]).sum()
    return float(greater / (len(pos) * len(neg)))


def wilson(k: int, n: int) -> tuple[float, float]:
    from brainweave.scoring.plausibility import wilson as w

    return w(k, n)


def summarise(rows: list[dict[str, Any]], seed: int = 0, boot: int = 1000) -> dict[str, Any]:
    """Accuracy (Wilson) and ROC AUC (bootstrap over items) of P(real | pair)."""
    rng = random.Random(seed)
    shown = []
    for r in rows:  # each pair presented in a seeded random order
        flip = rng.random() < 0.5
        shown.append((r["item"], 1 - r["p_real"] if flip else r["p_real"], 0 if flip else 1))
    p = np.array([s for _, s, _ in shown])
    y = np.array([lab for _, _, lab in shown])
    correct = sum(r["gap"] > 0 for r in rows)
    items = sorted({r["item"] for r in rows})
    by_item = defaultdict(list)
    for i, (it, _, _) in enumerate(shown):
        by_item[it].append(i)
    brng = np.random.default_rng(seed)
    boots = []
    for _ in range(boot):
        pick = brng.integers(0, len(items), len(items))
        idx = [j for k in pick for j in by_item[items[k]]]
        a = auc(p[idx], y[idx])
        if not np.isnan(a):
            boots.append(a)
    lo, hi = wilson(correct, len(rows))
    return {
        "pairs": len(rows),
        "items": len(items),
        "correct": int(correct),
        "accuracy": correct / len(rows) if rows else float("nan"),
        "accuracy_ci": [lo, hi],
        "auc": auc(p, y),
        "auc_ci": [float(np.percentile(boots, 2.5)), float(np.percentile(boots, 97.5))]
        if boots
        else None,
    }


def run(args: argparse.Namespace) -> dict[str, Any]:
    from brainweave.scoring.backends import make_scorer
    from brainweave.scoring.contamination import brainbench_dois
    from brainweave.scoring.plausibility import score_hypotheses
    from brainweave.settings import load_settings

    data = args.data_dir
    csv_path = data / "brainbench" / "BrainBench_Human_v0.1.csv"
    if not csv_path.is_file():
        raise BrainweaveError(f"{csv_path} does not exist", "pass --data-dir with brainbench/")
    t0 = time.perf_counter()
    chosen, available, skipped = draw_items(data, args.n, args.seed, args.max_variants)
    t_items = time.perf_counter() - t0
    if args.threads:
        import torch

        torch.set_num_threads(args.threads)
    settings = load_settings(home=args.home, data_dir=data, scorer={"model": args.model})
    scorer = make_scorer(settings)
    retriever, domains = None, []
    if not args.no_evidence:
        from brainweave.retrieval import Retriever

        idx_settings = load_settings(profile=args.index_profile, home=args.home, data_dir=data)
        retriever = Retriever(idx_settings)
        domains = list(idx_settings.domains) if hasattr(idx_settings, "domains") else []
        domains = domains or ["genetics", "neuroimaging", "clinical"]
    dois = brainbench_dois(csv_path)
    rows: dict[str, list[dict[str, Any]]] = {"no evidence": [], "retrieved evidence": []}
    t1 = time.perf_counter()
    log = args.pairs_log.open("a", encoding="utf-8") if args.pairs_log else None
    for done, item in enumerate(chosen, 1):
        conditions: list[tuple[str, str | None]] = [("no evidence", None)]
        if retriever is not None:
            conditions.append(("retrieved evidence", evidence_for(retriever, domains, item, dois)))
        for cond, ev in conditions:
            (r,) = score_hypotheses([item.real], ev, scorer=scorer, variants=[item.variants])
            for v in r.variants:
                row = {
                    "item": item.id,
                    "dataset": item.dataset,
                    "kind": v.kind,
                    "gap": v.gap,
                    "p_real": v.p_real,
                }
                rows[cond].append(row)
                if log is not None:  # a run cut short still leaves its pairs
                    log.write(json.dumps({"condition": cond, **row}) + "\n")
                    log.flush()
        spent = time.perf_counter() - t1
        eta = spent / done * (len(chosen) - done)
        print(f"{done}/{len(chosen)} items, {spent:.0f} s, about {eta:.0f} s left", file=sys.stderr)
    if log is not None:
        log.close()
    t_score = time.perf_counter() - t1
    out: dict[str, Any] = {
        "model": scorer.name,
        "n_items": len(chosen),
        "items_available": available,
        "not_alterable": skipped,
        "seconds": {"items": round(t_items, 1), "scoring": round(t_score, 1)},
        "results": {},
        # every (real, altered) pair: what a calibration refit on single sentences reads
        "pairs": rows,
    }
    out["results"] = results_of(rows, args.seed)
    return out


def results_of(rows: dict[str, list[dict[str, Any]]], seed: int) -> dict[str, Any]:
    """Per condition: the summary of all pairs, of each variant kind, of each data set."""
    results = {}
    for cond, rs in rows.items():
        if not rs:
            continue
        res: dict[str, Any] = {"all": summarise(rs, seed)}
        for kind in sorted({r["kind"] for r in rs}):
            res[kind] = summarise([r for r in rs if r["kind"] == kind], seed)
        for ds in sorted({r["dataset"] for r in rs}):  # every pair of that data set's items
            res[f"all {ds}"] = summarise([r for r in rs if r["dataset"] == ds], seed)
        results[cond] = res
    return results


def from_pairs_log(paths: list[Path], model: str, seed: int, recalibrate: bool) -> dict[str, Any]:
    """The figures of runs from their ``--pairs-log`` (one cut short too: only items
    scored under every condition count; an item in two logs counts once).
    ``recalibrate``: P(real) from the calibration shipped now, not the run's."""
    from brainweave.scoring.calibration import load_params

    lines: list[dict[str, Any]] = []
    for path in paths:
        seen = {r["item"] for r in lines}
        text = path.read_text(encoding="utf-8")
        lines += [r for r in map(json.loads, text.splitlines()) if r["item"] not in seen]
    conds = sorted({r["condition"] for r in lines})
    done = set.intersection(*({r["item"] for r in lines if r["condition"] == c} for c in conds))
    params = load_params(model) if recalibrate else None
    rows: dict[str, list[dict[str, Any]]] = {c: [] for c in conds}
    for r in lines:
        if r["item"] in done:
            if params is not None:
                r["p_real"] = params.probability(r["gap"])
            rows[r["condition"]].append({k: v for k, v in r.items() if k != "condition"})
    return {
        "model": model,
        "n_items": len(done),
        "seconds": "from " + ", ".join(p.name for p in paths),
        "results": results_of(rows, seed),
        "pairs": rows,
    }


def print_table(out: dict[str, Any]) -> None:
    head = f"model {out['model']}: {out['n_items']} items"
    if out.get("items_available"):
        head += f" {out['items_available']} available, not alterable {out['not_alterable']}"
    print(f"{head}; {out['seconds']}")
    print(
        f"{'condition':<20} {'kind':<22} {'pairs':>5} {'accuracy (95% CI)':>24} "
        f"{'ROC AUC (95% CI)':>22}"
    )
    for cond, res in out["results"].items():
        for kind, s in res.items():
            ci = s["accuracy_ci"]
            a = s["auc_ci"]
            auc_s = f"{s['auc']:.3f} ({a[0]:.2f}-{a[1]:.2f})" if a else f"{s['auc']:.3f}"
            print(
                f"{cond:<20} {kind:<22} {s['pairs']:>5} "
                f"{s['accuracy']:>8.1%} ({ci[0]:.1%}-{ci[1]:.1%}) {auc_s:>22}"
            )
    print("baseline: chance, accuracy 50% and ROC AUC 0.50")


def write_quality(out: dict[str, Any], path: Path, note: str = "") -> None:
    cond = "retrieved evidence" if "retrieved evidence" in out["results"] else "no evidence"
    s = out["results"][cond]["all"]
    doc = json.loads(path.read_text(encoding="utf-8"))
    entry = doc["models"].setdefault(out["model"], {"brainbench": None, "single_finding": None})
    entry["single_finding"] = {
        "correct": s["correct"],
        "n": s["pairs"],
        "auc": round(s["auc"], 3),
        "auc_interval": [round(x, 3) for x in s["auc_ci"]] if s["auc_ci"] else None,
        "with_evidence": cond == "retrieved evidence",
        "source": f"benchmarks/plausibility.py --n {out['n_items']} ({time.strftime('%d %b %Y')}): "
        f"(real, altered) sentence pairs of BrainBench and PubMedQA, {cond}"
        + (f"; {note}" if note else ""),
    }
    path.write_text(json.dumps(doc, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=60, help="items (half BrainBench, half PubMedQA)")
    ap.add_argument("--model", default="smollm2-135m-instruct")
    ap.add_argument("--data-dir", type=Path, default=Path("../shared/data"))
    ap.add_argument("--home", type=Path, default=None, help="BRAINWEAVE_HOME with an index")
    ap.add_argument("--index-profile", default="fast", help="the profile the index was built with")
    ap.add_argument("--no-evidence", action="store_true", help="skip the retrieved-evidence run")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--max-variants", type=int, default=4, help="altered sentences per item")
    ap.add_argument("--threads", type=int, default=1, help="torch threads (1 on a shared CPU)")
    ap.add_argument("--json", type=Path, default=None)
    ap.add_argument("--write", action="store_true", help="update scorer_quality.json")
    ap.add_argument("--note", default="", help="with --write: added to the figures' source")
    ap.add_argument(
        "--pairs-log", type=Path, default=None, help="append each scored pair here (JSON lines)"
    )
    ap.add_argument(
        "--summarise", type=Path, action="append", help="only the figures of these --pairs-log"
    )
    ap.add_argument(
        "--recalibrate", action="store_true", help="with --summarise: the shipped calibration"
    )
    args = ap.parse_args(argv)
    args.data_dir = args.data_dir.resolve()
    try:
        out = (
            from_pairs_log(args.summarise, args.model, args.seed, args.recalibrate)
            if args.summarise
            else run(args)
        )
    except BrainweaveError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    print_table(out)
    if args.json:
        args.json.write_text(json.dumps(out, indent=1) + "\n", encoding="utf-8")
    if args.write:
        path = Path(__file__).resolve().parents[1] / "scoring/data/scorer_quality.json"
        write_quality(out, path, args.note)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
