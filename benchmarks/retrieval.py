"""Retrieval benchmark on the full shared corpora.

Prints, in one run on one machine:
  - documents and passages per domain (full ingest + chunking with the real tokenizer)
  - embedding throughput of brainweave's embedder (batch 16, bf16 autocast where the CPU
    has native bf16) against the baseline, plain ``SentenceTransformer.encode`` with its
    defaults (batch 32, fp32), on the same sample of passages, and how close the vectors are
  - for each domain: index build time, search latency p50/p99 over a few hundred real
    queries for the exact (flat) index and HNSW, and HNSW recall@10 against exact search
  - peak memory (RSS)

The per-domain vectors come from the built indexes (``brainweave index build``); the
script builds any that are missing first, which embeds every passage (long).

    python benchmarks/retrieval.py --data ../shared/data [--sample 2000] [--queries 300]
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import time
from pathlib import Path

import numpy as np


def rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(values), q))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--data", type=Path, default=Path("../shared/data"))
    ap.add_argument("--sample", type=int, default=2000, help="passages for the throughput test")
    ap.add_argument("--queries", type=int, default=300, help="queries per domain")
    ap.add_argument("--json", type=Path, help="also write the figures here")
    args = ap.parse_args()

    import faiss
    import torch
    from sentence_transformers import SentenceTransformer

    from brainweave.corpora import all_sources, domains
    from brainweave.retrieval import Retriever, build_indexes
    from brainweave.retrieval.chunking import embedding_text
    from brainweave.retrieval.embedder import load_embedder, resolve_model_path
    from brainweave.retrieval.faiss_index import build_index
    from brainweave.retrieval.ingest import iter_documents
    from brainweave.retrieval.store import _chunk_all
    from brainweave.settings import load_settings

    settings = load_settings(data_dir=args.data)
    embedder = load_embedder(settings.embedder)
    sources = all_sources(settings.user_sources_file)
    figures: dict[str, object] = {
        "machine": {"threads": torch.get_num_threads(), "precision": embedder.precision},
    }

    # 1. documents and passages per domain
    print("== corpus")
    passages_by_domain = {}
    for d in domains(sources):
        t = time.perf_counter()
        docs = [doc for s in sources if s.domain == d for doc in iter_documents(s, args.data)]
        passages = _chunk_all(docs, embedder, settings.index)
        passages_by_domain[d] = passages
        print(
            f"{d:13s} {len(docs):7,d} documents {len(passages):7,d} passages "
            f"(ingest+chunk {time.perf_counter() - t:.1f} s)"
        )
    figures["passages"] = {d: len(p) for d, p in passages_by_domain.items()}

    # 2. embedding throughput, same passages, ours vs plain encode
    rng = random.Random(0)
    everything = [p for ps in passages_by_domain.values() for p in ps]
    sample = [embedding_text(p.title, p.text) for p in rng.sample(everything, args.sample)]
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
    print(
        f"\n== embedding {len(sample)} passages ({tokens:,} tokens), torch threads "
        f"{torch.get_num_threads()}"
    )
    print(
        f"baseline SentenceTransformer.encode (batch 32, fp32): "
        f"{len(sample) / t_base:7.1f} passages/s {tokens / t_base:8.0f} tokens/s"
    )
    print(
        f"brainweave (batch {settings.embedder.batch_size}, {embedder.precision}):"
        f"{'':16s}{len(sample) / t_ours:7.1f} passages/s {tokens / t_ours:8.0f} tokens/s"
    )
    print(
        f"ratio vs baseline: {t_base / t_ours:.2f}x; cosine to baseline vectors "
        f"min {cos.min():.5f} mean {cos.mean():.6f}"
    )
    figures["embedding"] = {
        "passages": len(sample),
        "tokens": tokens,
        "baseline_passages_per_s": len(sample) / t_base,
        "brainweave_passages_per_s": len(sample) / t_ours,
        "ratio": t_base / t_ours,
        "cosine_min": float(cos.min()),
        "cosine_mean": float(cos.mean()),
    }
    del plain

    # 3. indexes: build time, latency, recall
    t = time.perf_counter()
    results = build_indexes(settings, embedder=embedder, progress=True)
    for r in results:
        print(f"{r.domain}: {r.action} ({r.reason}) in {time.perf_counter() - t:.1f} s")
    retriever = Retriever(settings, embedder=embedder)
    print("\n== search (queries: real questions and titles from the corpora)")
    figures["search"] = {}
    all_vectors = []
    for d in domains(sources):
        if d not in {r.domain for r in results}:
            continue
        idx = retriever.index(d)
        n = idx.count
        vectors = idx.index.reconstruct_n(0, n) if idx.manifest["index_type"] == "flat-ip" else None
        if vectors is None:
            print(f"{d}: index is HNSW already; exact comparison needs a flat build, skipped")
            continue
        all_vectors.append(vectors)
        titles = sorted({p.title for p in passages_by_domain[d]})
        queries = rng.sample(titles, min(args.queries, len(titles)))
        qv = embedder.embed(queries)
        t = time.perf_counter()
        flat = build_index(vectors, "flat-ip")
        t_flat = time.perf_counter() - t
        t = time.perf_counter()
        hnsw = build_index(
            vectors,
            "hnsw-ip",
            hnsw_m=settings.index.hnsw_m,
            ef_construction=settings.index.hnsw_ef_construction,
            ef_search=settings.index.hnsw_ef_search,
        )
        t_hnsw = time.perf_counter() - t
        lat: dict[str, list[float]] = {"flat": [], "hnsw": [], "end_to_end": []}
        found: dict[str, list[np.ndarray]] = {"flat": [], "hnsw": []}
        for i in range(len(queries)):
            for name, index in (("flat", flat), ("hnsw", hnsw)):
                t = time.perf_counter()
                _, ids = index.search(qv[i : i + 1], 10)
                lat[name].append((time.perf_counter() - t) * 1000)
                found[name].append(ids[0])
            t = time.perf_counter()
            retriever.search(d, queries[i], k=10)
            lat["end_to_end"].append((time.perf_counter() - t) * 1000)
        recall = np.mean(
            [len(set(a) & set(b)) / 10 for a, b in zip(found["hnsw"], found["flat"], strict=True)]
        )
        row = {
            "passages": n,
            "flat_build_s": t_flat,
            "hnsw_build_s": t_hnsw,
            "flat_p50_ms": percentile(lat["flat"], 50),
            "flat_p99_ms": percentile(lat["flat"], 99),
            "hnsw_p50_ms": percentile(lat["hnsw"], 50),
            "hnsw_p99_ms": percentile(lat["hnsw"], 99),
            "end_to_end_p50_ms": percentile(lat["end_to_end"], 50),
            "end_to_end_p99_ms": percentile(lat["end_to_end"], 99),
            "hnsw_recall_at_10": float(recall),
            "queries": len(queries),
        }
        figures["search"][d] = row  # type: ignore[index]
        print(
            f"{d}: {n:,} passages; build flat {t_flat:.2f} s, HNSW {t_hnsw:.1f} s; "
            f"search p50/p99 flat {row['flat_p50_ms']:.2f}/{row['flat_p99_ms']:.2f} ms, "
            f"HNSW {row['hnsw_p50_ms']:.2f}/{row['hnsw_p99_ms']:.2f} ms; "
            f"HNSW recall@10 {recall:.3f}; end-to-end search (embed + FAISS + SQLite) "
            f"p50/p99 {row['end_to_end_p50_ms']:.1f}/{row['end_to_end_p99_ms']:.1f} ms"
        )
    # 4. where exact search stops being cheap: flat latency grows linearly with the
    # passage count; compare it with the cost of embedding the query itself
    pool = [v for v in all_vectors]
    if pool:
        combined = np.concatenate(pool)
        probe = combined[rng.sample(range(len(combined)), 100)]
        t_embed = []
        for q in rng.sample(everything, 50):
            t = time.perf_counter()
            embedder.embed([q.title])
            t_embed.append((time.perf_counter() - t) * 1000)
        print("\n== exact search cost by size (all domains' vectors together)")
        per_n = {}
        for n in sorted({min(x, len(combined)) for x in (10_000, 50_000, 100_000, len(combined))}):
            flat = build_index(combined[:n], "flat-ip")
            times = []
            for q in probe:
                t = time.perf_counter()
                flat.search(q[None, :], 10)
                times.append((time.perf_counter() - t) * 1000)
            per_n[n] = percentile(times, 50)
            print(f"flat, {n:8,d} passages: p50 {per_n[n]:.2f} ms")
        n_max = max(per_n)
        ms_per_passage = per_n[n_max] / n_max
        embed_p50 = percentile(t_embed, 50)
        crossover = int(embed_p50 / ms_per_passage)
        print(
            f"query embedding p50 {embed_p50:.1f} ms; flat search matches it at about "
            f"{crossover:,} passages (exact_max is {settings.index.exact_max:,})"
        )
        figures["exact_search_scaling"] = {
            "p50_ms_by_passages": per_n,
            "query_embed_p50_ms": embed_p50,
            "crossover_passages": crossover,
        }
    figures["peak_rss_mib"] = rss_mib()
    print(f"\npeak memory (RSS): {rss_mib():,.0f} MiB; faiss {faiss.__version__}")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
