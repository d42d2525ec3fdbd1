"""Retrieval benchmark on the shared corpora.

Prints, in one run on one machine:

1. documents, passages and tokens per domain: the full corpora, ingested and
   chunked with the real tokenizer;
2. embedding throughput of brainweave's embedder (batch 16, bf16 autocast where the
   CPU has native bf16) against the baseline, plain ``SentenceTransformer.encode``
   with its defaults (batch 32, fp32), on the same random sample of passages, with
   the cosine between the two sets of vectors and the top-10 overlap they give;
3. per domain: index build time (ingest, chunk, embed, FAISS, SQLite) with the real
   embedder, search latency p50/p99 over a few hundred real queries (record titles)
   for exact (flat) search, HNSW, and end to end (embed + FAISS + SQLite), and the
   recall@10 of HNSW against exact search. ``--max-docs N`` (default 1000) builds
   from the first N records of each source; ``--full`` embeds every passage;
4. exact vs HNSW search latency as the index grows (jittered copies of the real
   vectors from 3.), and the size at which exact search costs as much as embedding
   the query, which is how ``index.exact_max`` was chosen;
5. peak memory (RSS).

    python benchmarks/retrieval.py --data ../shared/data [--max-docs 1000 | --full]
                                   [--parts 1,2,3,4] [--json OUT]
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

Figures = dict[str, Any]


def rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def pct(values: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(values), q))


def timed_search(index: Any, queries: np.ndarray, k: int = 10) -> tuple[list[float], list[set]]:
    times, found = [], []
    for q in queries:
        t = time.perf_counter()
        _, ids = index.search(q[None, :], k)
        times.append((time.perf_counter() - t) * 1000)
        found.append(set(ids[0].tolist()))
    return times, found


def recall(found: list[set], truth: list[set], k: int = 10) -> float:
    return float(np.mean([len(a & b) / k for a, b in zip(found, truth, strict=True)]))


def corpus_counts(settings: Any, embedder: Any, sources: list, figures: Figures) -> dict:
    from brainweave.corpora import domains
    from brainweave.retrieval.ingest import iter_documents
    from brainweave.retrieval.store import _chunk_all

    print("== 1. full corpora: documents, passages and tokens per domain")
    by_domain = {}
    for d in domains(sources):
        t = time.perf_counter()
        docs = [
            doc
            for s in sources
            if s.domain == d
            for doc in iter_documents(s, settings.resolved_data_dir)
        ]
        passages = _chunk_all(docs, embedder, settings.index)
        by_domain[d] = passages
        ntok = sum(len(o) for o in embedder.token_offsets([p.text for p in passages]))
        print(
            f"{d:13s} {len(docs):7,d} documents {len(passages):7,d} passages "
            f"{ntok:11,d} tokens (ingest + chunk {time.perf_counter() - t:.1f} s)"
        )
        figures.setdefault("corpus", {})[d] = {
            "documents": len(docs),
            "passages": len(passages),
            "tokens": ntok,
        }
    return by_domain


def embedding_throughput(
    settings: Any, embedder: Any, everything: list, n: int, rng: random.Random, figures: Figures
) -> None:
    import torch
    from sentence_transformers import SentenceTransformer

    from brainweave.retrieval.chunking import embedding_text
    from brainweave.retrieval.embedder import resolve_model_path

    print(
        f"\n== 2. embedding throughput, {n} random passages, torch threads "
        f"{torch.get_num_threads()}"
    )
    sample = [embedding_text(p.title, p.text) for p in rng.sample(everything, n)]
    tokens = sum(len(o) + 2 for o in embedder.token_offsets(sample))
    plain = SentenceTransformer(resolve_model_path(settings.embedder.model), device="cpu")
    plain.encode(sample[:32])  # warm up both
    embedder.embed(sample[:32])
    t = time.perf_counter()
    base = plain.encode(sample, normalize_embeddings=True)
    t_base = time.perf_counter() - t
    t = time.perf_counter()
    ours = embedder.embed(sample)
    t_ours = time.perf_counter() - t
    cos = (base * ours).sum(axis=1)
    queries = rng.sample(sample, min(100, len(sample)))
    qb, qo = plain.encode(queries, normalize_embeddings=True), embedder.embed(queries)
    top_b = [set(np.argsort(-base @ q)[:10]) for q in qb]
    top_o = [set(np.argsort(-ours @ q)[:10]) for q in qo]
    overlap = recall(top_o, top_b)
    precision = getattr(embedder, "precision", "fp32")
    print(
        f"baseline  SentenceTransformer.encode (batch 32, fp32): {n / t_base:6.1f} passages/s "
        f"{tokens / t_base:7.0f} tokens/s"
    )
    print(
        f"brainweave (batch {settings.embedder.batch_size}, {precision}):{'':17s}"
        f"{n / t_ours:6.1f} passages/s {tokens / t_ours:7.0f} tokens/s"
    )
    print(
        f"ratio {t_base / t_ours:.2f}x; cosine to the baseline's vectors min {cos.min():.5f} "
        f"mean {cos.mean():.6f}; top-10 overlap with the baseline {overlap:.3f}"
    )
    figures["embedding"] = {
        "passages": n,
        "tokens": tokens,
        "baseline_passages_per_s": n / t_base,
        "brainweave_passages_per_s": n / t_ours,
        "ratio": t_base / t_ours,
        "cosine_min": float(cos.min()),
        "cosine_mean": float(cos.mean()),
        "top10_overlap": overlap,
    }


def domain_indexes(
    settings: Any,
    embedder: Any,
    sources: list,
    by_domain: dict,
    queries: int,
    rng: random.Random,
    figures: Figures,
) -> list[np.ndarray]:
    from brainweave.corpora import domains
    from brainweave.retrieval import Retriever, build_indexes
    from brainweave.retrieval.faiss_index import build_index

    max_docs = settings.index.max_docs_per_source
    scope = "every record" if max_docs is None else f"the first {max_docs} records of each source"
    print(f"\n== 3. per-domain indexes from {scope}")
    retriever = Retriever(settings, embedder=embedder)
    pool = []
    figures["domains"] = {}
    for d in domains(sources):
        if not any(s.domain == d for s in sources):
            continue
        [r] = build_indexes(settings, [d], embedder=embedder)
        m = r.manifest
        idx = retriever.index(d)
        vectors = idx.index.reconstruct_n(0, idx.count)
        pool.append(vectors)
        titles = sorted({p.title for p in by_domain[d]})
        qtext = rng.sample(titles, min(queries, len(titles)))
        qv = embedder.embed(qtext)
        t = time.perf_counter()
        hnsw = build_index(vectors, "hnsw-ip", settings.index)
        t_hnsw = time.perf_counter() - t
        lat_flat, truth = timed_search(idx.index, qv)
        lat_hnsw, found = timed_search(hnsw, qv)
        lat_e2e = []
        for q in qtext:
            t = time.perf_counter()
            retriever.search(d, q, k=10)
            lat_e2e.append((time.perf_counter() - t) * 1000)
        row = {
            "documents": m["documents"],
            "passages": m["count"],
            "build_s": r.seconds,
            "embed_s": m["timings_s"]["embed"],
            "passages_per_s": m["count"] / m["timings_s"]["embed"],
            "hnsw_build_s": t_hnsw,
            "flat_p50_ms": pct(lat_flat, 50),
            "flat_p99_ms": pct(lat_flat, 99),
            "hnsw_p50_ms": pct(lat_hnsw, 50),
            "hnsw_p99_ms": pct(lat_hnsw, 99),
            "end_to_end_p50_ms": pct(lat_e2e, 50),
            "end_to_end_p99_ms": pct(lat_e2e, 99),
            "hnsw_recall_at_10": recall(found, truth),
            "queries": len(qtext),
        }
        figures["domains"][d] = row
        print(
            f"{d}: {m['documents']:,} documents, {m['count']:,} passages, built in "
            f"{r.seconds:.1f} s ({row['passages_per_s']:.1f} passages/s embedding); "
            f"HNSW build {t_hnsw:.2f} s"
        )
        print(
            f"   search p50/p99: exact {row['flat_p50_ms']:.2f}/{row['flat_p99_ms']:.2f} ms, "
            f"HNSW {row['hnsw_p50_ms']:.2f}/{row['hnsw_p99_ms']:.2f} ms, end to end "
            f"{row['end_to_end_p50_ms']:.1f}/{row['end_to_end_p99_ms']:.1f} ms; "
            f"HNSW recall@10 {row['hnsw_recall_at_10']:.3f} ({len(qtext)} queries)"
        )
    return pool


def scaling(
    settings: Any,
    embedder: Any,
    pool: list[np.ndarray],
    everything: list,
    sizes: list[int],
    rng: random.Random,
    figures: Figures,
) -> None:
    from brainweave.retrieval.faiss_index import build_index

    print("\n== 4. exact vs HNSW as the index grows (jittered copies of the real vectors)")
    real = np.concatenate(pool)
    probe = real[rng.sample(range(len(real)), min(200, len(real)))]
    np_rng = np.random.default_rng(0)
    embed_ms = []
    for p in rng.sample(everything, 50):
        t = time.perf_counter()
        embedder.embed([p.title])
        embed_ms.append((time.perf_counter() - t) * 1000)
    rows = {}
    for n in sizes:
        reps = -(-n // len(real))
        grown = np.concatenate(
            [real + np_rng.normal(0, 0.02, real.shape).astype(np.float32) for _ in range(reps)]
        )[:n]
        grown /= np.linalg.norm(grown, axis=1, keepdims=True)
        flat = build_index(grown, "flat-ip", settings.index)
        t = time.perf_counter()
        hnsw = build_index(grown, "hnsw-ip", settings.index)
        t_build = time.perf_counter() - t
        lf, truth = timed_search(flat, probe)
        lh, found = timed_search(hnsw, probe)
        rows[n] = {
            "flat_p50_ms": pct(lf, 50),
            "hnsw_p50_ms": pct(lh, 50),
            "hnsw_build_s": t_build,
            "hnsw_recall_at_10": recall(found, truth),
        }
        print(
            f"{n:8,d} passages: exact p50 {pct(lf, 50):6.2f} ms; HNSW p50 {pct(lh, 50):5.2f} ms, "
            f"build {t_build:6.1f} s, recall@10 {rows[n]['hnsw_recall_at_10']:.3f}"
        )
        del flat, hnsw, grown
    per_passage = rows[sizes[-1]]["flat_p50_ms"] / sizes[-1]
    crossover = int(pct(embed_ms, 50) / per_passage)
    print(
        f"query embedding p50 {pct(embed_ms, 50):.1f} ms: exact search costs as much at about "
        f"{crossover:,} passages (index.exact_max = {settings.index.exact_max:,})"
    )
    figures["scaling"] = {
        "by_passages": rows,
        "query_embed_p50_ms": pct(embed_ms, 50),
        "crossover_passages": crossover,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--data", type=Path, default=Path("../shared/data"))
    ap.add_argument("--max-docs", type=int, default=1000, help="records per source to index")
    ap.add_argument("--full", action="store_true", help="index every record (long)")
    ap.add_argument("--sample", type=int, default=1000, help="passages for the throughput test")
    ap.add_argument("--queries", type=int, default=300, help="queries per domain")
    ap.add_argument("--sizes", default="25000,100000,200000,400000", help="index sizes for 4.")
    ap.add_argument("--parts", default="1,2,3,4", help="parts to run (1 always runs; 4 needs 3)")
    ap.add_argument("--json", type=Path, help="also write the figures here")
    args = ap.parse_args()

    import faiss
    import torch

    from brainweave.corpora import all_sources
    from brainweave.retrieval.embedder import load_embedder
    from brainweave.settings import load_settings

    parts = {int(x) for x in args.parts.split(",")}
    home = Path(tempfile.mkdtemp(prefix="bw-bench-"))
    max_docs = None if args.full else args.max_docs
    settings = load_settings(home=home, data_dir=args.data, index={"max_docs_per_source": max_docs})
    embedder = load_embedder(settings.embedder)
    sources = all_sources(settings.user_sources_file)
    rng = random.Random(0)
    figures: Figures = {
        "torch_threads": torch.get_num_threads(),
        "precision": getattr(embedder, "precision", "fp32"),
        "max_docs_per_source": max_docs,
    }
    by_domain = corpus_counts(settings, embedder, sources, figures)
    everything = [p for ps in by_domain.values() for p in ps]
    if 2 in parts:
        embedding_throughput(settings, embedder, everything, args.sample, rng, figures)
    pool = []
    if 3 in parts:
        pool = domain_indexes(settings, embedder, sources, by_domain, args.queries, rng, figures)
    if 4 in parts and pool:
        sizes = [int(x) for x in args.sizes.split(",")]
        scaling(settings, embedder, pool, everything, sizes, rng, figures)
    figures["peak_rss_mib"] = rss_mib()
    print(
        f"\npeak memory (RSS): {rss_mib():,.0f} MiB; faiss {faiss.__version__}, "
        f"torch {torch.__version__}"
    )
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
