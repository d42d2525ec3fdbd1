"""Rediscovery: does brainweave find well-established cross-domain links?

The links (``benchmarks/rediscovery_links.toml``, >= 20, each with a one-line
textbook or review reference) were chosen by reading the literature, not by
running the system: a question names one end, ``expected`` lists the concepts at
the other ends. For each question the graph runs once (retrieval, findings,
exchange, scoring), then both syntheses draft hypotheses from the same evidence:

- **before**: the linked-set synthesis (findings sharing an entity id, phrased by
  the LLM or the "X links the genetics finding that ..." template), as on main;
- **after**: the ranked A-B-C discovery (``brainweave.graphs.discovery``) with
  typed edges, strict grounding, novelty and the question match of its passages
  (the run's embedder), as the graph's synthesis step drafts them.

Both read the same run's evidence, which includes the exchange round's passages
for the discovered B- and C-terms. The share "not scorable" is of the run's own
(scored) hypotheses.

Per question and side: whether each expected concept is named (by entity id) by
one of the top-5 hypotheses, the concept recall, the share of hypotheses that
cross 2 and 3 domains, the share bridged vs known (after only), phrased from
structure vs fallen back, and the synthesis wall time; the graph's wall time
once. Concepts resolve through the knowledge layer; one that does not resolve
is an error in the links file, reported with its line.

    nice python benchmarks/rediscovery.py --profile fast --max-docs 150 [--limit N] \
        [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
import tomllib
from pathlib import Path
from typing import Any

LINKS = Path(__file__).with_name("rediscovery_links.toml")
TOP = 5


def load_links(path: Path = LINKS) -> list[dict[str, Any]]:
    links = tomllib.loads(path.read_text(encoding="utf-8"))["link"]
    for i, link in enumerate(links, start=1):
        missing = [k for k in ("question", "expected", "reference") if not link.get(k)]
        if missing:
            raise SystemExit(f"{path}: link {i} lacks {', '.join(missing)}")
    return links


def resolve_concepts(kn: Any, links: list[dict[str, Any]]) -> dict[str, str]:
    """name -> entity id for every expected concept (exits naming the bad ones)."""
    from brainweave.cli.entities import resolve

    out, bad = {}, []
    for link in links:
        for name in link["expected"]:
            ids = resolve(kn, name)
            if ids:
                out[name] = ids[0]
            else:
                bad.append(name)
    if bad:
        raise SystemExit(f"{LINKS}: these expected concepts resolve to no entity: {bad}")
    return out


def hypothesis_entities(h: Any) -> set[str]:
    from brainweave import knowledge

    ids = set(knowledge.find_entities(h.statement, negated=True)) | set(h.bridge)
    for e in h.edges:
        ids |= {e.subject, e.object}
    return ids


def _related(kn: Any, concept: str, ids: set[str]) -> bool:
    """The concept, or an entity whose is-a parents include it (an HPO subtype)."""
    if concept in ids:
        return True
    return any(concept in (kn.get(i).parents if kn.get(i) else []) for i in ids)


def measure(kn: Any, hyps: list[Any], expected: dict[str, str]) -> dict[str, Any]:
    top = hyps[:TOP]
    named = [hypothesis_entities(h) for h in top]
    found = {n: any(_related(kn, cid, ids) for ids in named) for n, cid in expected.items()}
    n = len(hyps) or 1
    return {
        "hypotheses": len(hyps),
        "found": found,
        "recall": sum(found.values()) / len(found) if found else 0.0,
        "cross2": sum(len(h.domains) >= 2 for h in hyps) / n if hyps else 0.0,
        "cross3": sum(len(h.domains) >= 3 for h in hyps) / n if hyps else 0.0,
        "bridged": sum(bool(h.novelty and h.novelty.status == "bridged") for h in hyps),
        "known": sum(bool(h.novelty and h.novelty.status == "known") for h in hyps),
        "structure": sum(h.phrased_by == "structure" for h in hyps),
        "llm": sum(h.phrased_by == "llm" for h in hyps),
        "template": sum(h.phrased_by == "template" for h in hyps),
        "run_on": sum("finding that" in h.statement for h in hyps),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--profile", default="fast")
    ap.add_argument("--home", type=Path, default=None)
    ap.add_argument(
        "--data", type=Path, default=Path(__file__).resolve().parents[1].parent / "shared" / "data"
    )
    ap.add_argument("--max-docs", type=int, default=150, help="documents per source (0: all)")
    ap.add_argument("--limit", type=int, default=0, help="only the first N links")
    ap.add_argument("--json", type=Path, default=None)
    args = ap.parse_args()

    from brainweave import knowledge
    from brainweave.graphs import nodes, synthesis
    from brainweave.graphs.run import ask
    from brainweave.retrieval import build_indexes
    from brainweave.settings import load_settings

    overrides: dict[str, Any] = {}
    if args.max_docs:
        overrides["index"] = {"max_docs_per_source": args.max_docs}
    settings = load_settings(profile=args.profile, home=args.home, data_dir=args.data, **overrides)
    t0 = time.perf_counter()
    build_indexes(settings)
    print(f"indexes ready in {time.perf_counter() - t0:.1f}s ({settings.index_dir})", flush=True)
    kn = knowledge.load(settings.resolved_data_dir)
    links = load_links()[: args.limit or None]
    concepts = resolve_concepts(kn, links)
    rows = []
    from brainweave.retrieval.service import Retriever
    from brainweave.retrieval.store import IndexStore

    store = IndexStore(settings.index_dir)
    embedder = Retriever(settings).embedder
    indexes: dict[str, Any] = {}

    def opened(domain: str) -> Any:
        if domain not in indexes:
            indexes[domain] = store.open(domain)
        return indexes[domain]

    for link in links:
        t = time.perf_counter()
        r = ask(link["question"], settings=settings)
        wall = time.perf_counter() - t
        passages = {}
        for p in r.provenance["retrieved"]:  # provenance keeps no text: read it from the index
            (stored,) = opened(p["domain"]).passages([p["passage_id"]])
            passages[p["passage_id"]] = {**stored, **p}
        expected = {n: concepts[n] for n in link["expected"]}
        tb = time.perf_counter()
        with knowledge.use(kn):
            before, _, _ = synthesis.synthesise(
                None, link["question"], r.findings, set(passages), 8
            )
        tb = time.perf_counter() - tb
        ta = time.perf_counter()
        graphs = nodes.evidence_graphs(
            type("R", (), {"store": store})(), {f.domain for f in r.findings}
        )
        with knowledge.use(kn):  # the vocabularies the indexes were annotated with
            after, dropped, _ = synthesis.discover(
                None, link["question"], r.findings, passages, graphs, 8, embedder=embedder
            )
        ta = time.perf_counter() - ta
        row = {
            "question": link["question"],
            "ask_s": round(wall, 2),
            "before": {**measure(kn, before, expected), "synthesis_s": round(tb, 3)},
            "after": {
                **measure(kn, after, expected),
                "synthesis_s": round(ta, 3),
                "dropped": dropped,
            },
            "top_before": [h.statement for h in before[:3]],
            "top_after": [h.statement for h in after[:3]],
            "scored": len(r.hypotheses),
            "not_scorable": sum(h.scores.scorable is False for h in r.hypotheses),
            "not_scorable_why": sorted(
                {h.scores.reason or "" for h in r.hypotheses if h.scores.scorable is False}
            ),
        }
        rows.append(row)
        b, a = row["before"], row["after"]
        print(
            f"{link['question'][:58]:58s} ask {wall:5.1f}s  recall before {b['recall']:.2f} "
            f"after {a['recall']:.2f}  found after: "
            + ", ".join(n for n, ok in a["found"].items() if ok),
            flush=True,
        )
    summary: dict[str, Any] = {}
    for side in ("before", "after"):
        xs = [r[side] for r in rows]
        n_h = sum(x["hypotheses"] for x in xs) or 1
        summary[side] = {
            "mean_recall": round(statistics.mean(x["recall"] for x in xs), 3),
            "questions_with_hypotheses": sum(x["hypotheses"] > 0 for x in xs),
            "hypotheses": sum(x["hypotheses"] for x in xs),
            "cross2_share": round(sum(x["cross2"] * x["hypotheses"] for x in xs) / n_h, 3),
            "cross3_share": round(sum(x["cross3"] * x["hypotheses"] for x in xs) / n_h, 3),
            "bridged": sum(x["bridged"] for x in xs),
            "known": sum(x["known"] for x in xs),
            "phrased_llm": sum(x["llm"] for x in xs),
            "phrased_template": sum(x["template"] for x in xs),
            "shown_as_structure": sum(x["structure"] for x in xs),
            "run_on_statements": sum(x["run_on"] for x in xs),
            "synthesis_s_mean": round(statistics.mean(x["synthesis_s"] for x in xs), 3),
        }
    scored = sum(r["scored"] for r in rows)
    summary["not_scorable_share"] = (
        round(sum(r["not_scorable"] for r in rows) / scored, 3) if scored else None
    )
    asks = sorted(r["ask_s"] for r in rows)
    summary["ask_s_p50"] = round(statistics.median(asks), 2)
    summary["questions"] = len(rows)
    summary["settings"] = {"profile": args.profile, "max_docs_per_source": args.max_docs}
    b, a = summary["before"], summary["after"]
    ratio = a["mean_recall"] / b["mean_recall"] if b["mean_recall"] else float("inf")
    print(json.dumps(summary, indent=2))
    print(
        f"mean concept recall: before {b['mean_recall']:.3f}, "
        f"after {a['mean_recall']:.3f} (x{ratio:.2f})"
    )
    if args.json:
        args.json.write_text(json.dumps({"summary": summary, "rows": rows}, indent=2))


if __name__ == "__main__":
    sys.exit(main())
