"""Dense vs BM25 vs hybrid retrieval on the labelled queries, in one run.

The labelled set is tests/data/retrieval_queries.jsonl (queries written by hand, the
relevant records judged by reading the corpus; see retrieval_queries_judged.py).

Prints, for dense (the configured embedder + FAISS), BM25 (SQLite FTS5) and hybrid
(reciprocal rank fusion of both), each also with entity-aware expansion (``+x``: the
other names of the entities the query mentions, from the knowledge layer of the full
data directory, added to BM25; ``+xd``: also embedded as a second dense query):

1. recall@10, MRR@10 and nDCG@10 per domain and per query type, side by side, with
   the hybrid variants' difference from dense (the baseline) and its paired
   bootstrap 95% interval;
2. search latency p50/p99 end to end (``Retriever.search``: query parsing, query
   embedding, FAISS, FTS5, fusion, SQLite reads) for each mode;
3. per domain, the index build's embedding + FAISS time against the BM25 (FTS5) build
   time, and the size BM25 adds to passages.sqlite.

Metrics are over records: the distinct doc ids of the top 10 passages, in order.
recall@10 = relevant records found / min(relevant records, 10); nDCG@10 is binary.

Embedding the full corpora takes about an hour on 2 CPU cores, so by default the
indexes are built from a subset: the first ``--max-docs`` records of each source
plus every record the labelled set judges relevant (written to a temporary data
directory). ``--full`` indexes everything.

    python benchmarks/hybrid.py --data ../shared/data [--max-docs 300 | --full]
        [--embedder all-MiniLM-L6-v2 | hash] [--json OUT]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import sqlite3
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np

QUERIES = Path(__file__).resolve().parents[1] / "tests" / "data" / "retrieval_queries.jsonl"
#: column -> (search mode, expand, expand_dense)
VARIANTS: dict[str, tuple[str, bool, bool]] = {
    "dense": ("dense", False, False),
    "bm25": ("bm25", False, False),
    "hybrid": ("hybrid", False, False),
    "dense+xd": ("dense", True, True),
    "bm25+x": ("bm25", True, False),
    "hybrid+x": ("hybrid", True, False),
    "hybrid+xd": ("hybrid", True, True),
}
MODES = tuple(VARIANTS)
#: differences from dense printed with their interval
VERSUS = ("hybrid", "hybrid+x", "hybrid+xd")


def load_queries(path: Path = QUERIES) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def subset_data(data: Path, out: Path, max_docs: int, judged: set[str]) -> dict[str, int]:
    """Copy of ``data``'s corpora with the first ``max_docs`` records of each source
    and every judged record; returns records kept per source."""
    from brainweave.corpora import builtin_sources
    from brainweave.retrieval.adapters import get_adapter
    from brainweave.retrieval.ingest import read_records, source_path

    kept = {}
    for s in builtin_sources():
        src = source_path(s, data)
        dst = out / s.file
        dst.parent.mkdir(parents=True, exist_ok=True)
        adapt = get_adapter(s.adapter)
        keep_keys, n = [], 0
        for i, (_, rec) in enumerate(read_records(s, src)):
            if isinstance(rec, Exception):
                continue
            try:
                doc_id = adapt(rec, s).id
            except Exception:
                continue
            if i < max_docs or doc_id in judged:
                keep_keys.append(i)
                n += 1
        wanted = set(keep_keys)
        if s.format == "json-object":
            obj = json.loads(src.read_text(encoding="utf-8"))
            dst.write_text(
                json.dumps({k: v for i, (k, v) in enumerate(obj.items()) if i in wanted}),
                encoding="utf-8",
            )
        else:
            lines = [ln for ln in src.read_text(encoding="utf-8").splitlines() if ln.strip()]
            dst.write_text("\n".join(lines[i] for i in sorted(wanted)) + "\n", encoding="utf-8")
        kept[s.name] = n
    return kept


def metrics(ranked: list[str], relevant: set[str], k: int = 10) -> dict[str, float]:
    top = ranked[:k]
    hits = [d in relevant for d in top]
    ideal = min(len(relevant), k)
    rr = next((1.0 / (i + 1) for i, h in enumerate(hits) if h), 0.0)
    dcg = sum(1.0 / math.log2(i + 2) for i, h in enumerate(hits) if h)
    idcg = sum(1.0 / math.log2(i + 2) for i in range(ideal))
    return {"recall@10": sum(hits) / ideal, "mrr@10": rr, "ndcg@10": dcg / idcg}


def paired_ci(a: list[float], b: list[float], n: int = 2000) -> tuple[float, float]:
    """Bootstrap 95% interval of mean(b - a) over queries (resampled in pairs)."""
    d = np.asarray(b) - np.asarray(a)
    rng = np.random.default_rng(0)
    means = d[rng.integers(0, len(d), size=(n, len(d)))].mean(axis=1)
    return float(np.percentile(means, 2.5)), float(np.percentile(means, 97.5))


def pct(values: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(values), q))


def fts_bytes(db: Path) -> int:
    """Bytes the FTS5 table adds to passages.sqlite (a copy without it, vacuumed)."""
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "p.sqlite"
        shutil.copy(db, copy)
        con = sqlite3.connect(copy)
        con.execute("DROP TABLE lexical")
        con.commit()
        con.execute("VACUUM")
        con.close()
        return db.stat().st_size - copy.stat().st_size


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--data", type=Path, default=Path("../shared/data"))
    ap.add_argument("--max-docs", type=int, default=300, help="records per source, plus judged")
    ap.add_argument("--full", action="store_true", help="index every record (long)")
    ap.add_argument("--embedder", default=None, help="embedder model (default: the settings')")
    ap.add_argument("--home", type=Path, help="reuse indexes here (default: a temporary dir)")
    ap.add_argument("--json", type=Path, help="also write the figures here")
    args = ap.parse_args()

    from brainweave.corpora import builtin_sources
    from brainweave.retrieval import Retriever, build_indexes
    from brainweave.retrieval.embedder import load_embedder
    from brainweave.retrieval.store import IndexStore
    from brainweave.settings import load_settings

    queries = load_queries()
    judged = {d for q in queries for d in q["relevant"]}
    home = args.home or Path(tempfile.mkdtemp(prefix="bw-hybrid-"))
    data = args.data.resolve()
    scope = "every record of every source"
    if not args.full:
        sub = home / "data"
        kept = subset_data(data, sub, args.max_docs, judged) if not sub.is_dir() else {}
        data = sub
        scope = (
            f"the first {args.max_docs} records of each source plus the {len(judged)} judged "
            f"records" + (f" ({sum(kept.values()):,} records)" if kept else "")
        )
    overrides: dict[str, Any] = {"home": home, "data_dir": data}
    if args.embedder:
        overrides["embedder"] = {"model": args.embedder}
    settings = load_settings(**overrides)
    embedder = load_embedder(settings.embedder)
    load = os.getloadavg()
    print(f"indexes from {scope}; embedder {embedder.name}; load average {load[0]:.2f}")
    print(f"{len(queries)} labelled queries from {QUERIES.name}")

    domains = sorted({q["domain"] for q in queries})
    figures: dict[str, Any] = {"scope": scope, "embedder": embedder.name, "builds": {}}
    print("\n== build: dense (embed + FAISS) vs BM25 (FTS5), per domain")
    for r in build_indexes(settings, domains, embedder=embedder):
        t = r.manifest["timings_s"]
        db = IndexStore(settings.index_dir)._current_build(r.domain) / "passages.sqlite"  # type: ignore[operator]
        extra = fts_bytes(db)
        dense_s = t["embed"] + t["index"]
        figures["builds"][r.domain] = {
            "action": r.action,
            "passages": r.manifest["count"],
            "dense_s": dense_s,
            "bm25_s": t["bm25"],
            "bm25_bytes": extra,
            "passages_sqlite_bytes": db.stat().st_size,
        }
        print(
            f"{r.domain:13s} {r.manifest['count']:7,d} passages ({r.action}): "
            f"dense {dense_s:7.1f} s, "
            f"BM25 {t['bm25']:5.2f} s ({100 * t['bm25'] / dense_s:.1f}% of dense); "
            f"BM25 adds {extra / 2**20:.1f} MiB to passages.sqlite "
            f"({db.stat().st_size / 2**20:.1f} MiB)"
        )

    from brainweave.graphs.services import Services

    t0 = time.perf_counter()
    kn = Services().knowledge(args.data.resolve())
    print(f"knowledge layer of {args.data} loaded in {time.perf_counter() - t0:.1f} s")
    xd = settings.model_copy(
        update={"search": settings.search.model_copy(update={"expand_dense": True})}
    )
    store = IndexStore(settings.index_dir, data_dir=settings.resolved_data_dir)
    plain = Retriever(settings, embedder=embedder, store=store, knowledge=kn)
    dense_x = Retriever(xd, embedder=embedder, store=store, knowledge=kn)

    def run(col: str, domain: str, query: str) -> list[Any]:
        mode, expand, also_dense = VARIANTS[col]
        r = dense_x if also_dense else plain
        return r.search(domain, query, 10, mode=mode, expand=expand)

    for d in domains:  # load and warm each index, the embedder and SQLite's cache
        for m in MODES:
            run(m, d, "warm up query APOE in the hippocampus")
    rows: dict[str, dict[str, list[dict[str, float]]]] = {m: defaultdict(list) for m in MODES}
    latency: dict[str, list[float]] = {m: [] for m in MODES}
    per_query = []
    for q in queries:
        rel = set(q["relevant"])
        entry = {"qid": q["qid"], "query": q["query"]}
        for m in MODES:
            t0 = time.perf_counter()
            hits = run(m, q["domain"], q["query"])
            latency[m].append((time.perf_counter() - t0) * 1000)
            ranked = list(dict.fromkeys(h.doc_id for h in hits))
            score = metrics(ranked, rel)
            entry[m] = score["recall@10"]
            for key in ("all", f"domain:{q['domain']}", f"type:{q['type']}"):
                rows[m][key].append(score)
        per_query.append(entry)

    def mean(m: str, key: str, metric: str) -> float:
        return float(np.mean([s[metric] for s in rows[m][key]]))

    keys = ["all", *sorted(k for k in rows["dense"] if k != "all")]
    figures["metrics"] = {}
    figures["versus_dense_ci95"] = {}
    for metric in ("recall@10", "mrr@10", "ndcg@10"):
        print(f"\n== {metric} (baseline: dense; [95% paired bootstrap interval])")
        head = " ".join(f"{m:>9s}" for m in MODES)
        diffs = " ".join(f"{m + '-dense':>24s}" for m in VERSUS)
        print(f"{'':20s} {'n':>3s} {head} {diffs}")
        for key in keys:
            vals = {m: mean(m, key, metric) for m in MODES}
            figures["metrics"].setdefault(key, {})[metric] = vals
            cells = []
            for m in VERSUS:
                lo, hi = paired_ci(
                    [s[metric] for s in rows["dense"][key]], [s[metric] for s in rows[m][key]]
                )
                figures["versus_dense_ci95"].setdefault(key, {}).setdefault(metric, {})[m] = [
                    lo,
                    hi,
                ]
                cells.append(f"{vals[m] - vals['dense']:+.3f} [{lo:+.2f},{hi:+.2f}]")
            row = " ".join(f"{vals[m]:9.3f}" for m in MODES)
            print(
                f"{key:20s} {len(rows['dense'][key]):3d} {row} "
                + " ".join(f"{c:>24s}" for c in cells)
            )
    print("\n== search latency end to end, ms (one query, k=10)")
    figures["latency_ms"] = {}
    for m in MODES:
        p50, p99 = pct(latency[m], 50), pct(latency[m], 99)
        figures["latency_ms"][m] = {"p50": p50, "p99": p99}
        print(f"{m:9s} p50 {p50:6.2f}  p99 {p99:6.2f}")
    lat = figures["latency_ms"]
    print(
        "ratio to dense p50: "
        + ", ".join(f"{m} {lat[m]['p50'] / lat['dense']['p50']:.2f}x" for m in MODES[1:])
        + f"; load average now {os.getloadavg()[0]:.2f}"
    )
    print("\n== per-query latency p50 by domain, ms")
    figures["latency_ms_by_domain"] = {}
    for d in domains:
        idx = [i for i, q in enumerate(queries) if q["domain"] == d]
        vals = {m: pct([latency[m][i] for i in idx], 50) for m in MODES}
        figures["latency_ms_by_domain"][d] = vals
        print(f"{d:13s} " + "  ".join(f"{m} {v:.1f}" for m, v in vals.items()))
    figures["per_query_recall@10"] = per_query
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(figures, indent=2))
    _ = builtin_sources


if __name__ == "__main__":
    main()
