"""Benchmark the knowledge layer's entities against the hand-written lexicon it replaced.

    python benchmarks/entities.py [--data ../shared/data] [--per-domain 400] [--no-embed]

Prints, in one run:
- coverage: per domain, the share of passages with at least one grounded entity and the
  entities per passage, before (benchmarks/baseline_lexicon.py, the old agents/entities.py)
  and after (brainweave.knowledge). A "passage" here is the first 1,200 characters of a
  randomly drawn document as its adapter renders it (about one 256-token chunk);
- precision and recall of the matcher against tests/data/entity_labels.jsonl (passages
  labelled by reading them; entity sets per passage, negated mentions left out);
- throughput of annotation (passages/s) before and after, and its share of an index
  build, against the packaged all-MiniLM-L6-v2 embedding the same passages
  (the build's dominant cost) unless --no-embed.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "benchmarks"))

PASSAGE_CHARS = 1200


def draw(data: Path, per_domain: int, seed: int) -> dict[str, list[tuple[str, str]]]:
    from brainweave.corpora import builtin_sources
    from brainweave.retrieval.ingest import iter_documents

    rng = random.Random(seed)
    out: dict[str, list[tuple[str, str]]] = {}
    for domain in ("genetics", "neuroimaging", "clinical"):
        docs = []
        for s in builtin_sources():
            if s.domain == domain:
                docs += [
                    (d.id, d.title + "\n" + d.text[:PASSAGE_CHARS])
                    for d in iter_documents(s, data, skip_bad=True)
                ]
        out[domain] = rng.sample(docs, min(per_domain, len(docs)))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data")
    ap.add_argument("--per-domain", type=int, default=400)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--no-embed", action="store_true")
    ap.add_argument(
        "--sections",
        default="coverage,bridging,labels,throughput,build",
        help="comma-separated: coverage, bridging, labels, throughput, build",
    )
    ap.add_argument("--build-docs", type=int, default=300, help="records per source (build)")
    ap.add_argument("--profile", default="default", help="settings profile (build)")
    ap.add_argument("--bridge-docs", type=int, default=400, help="records per source (bridging)")
    args = ap.parse_args()
    sections = set(args.sections.split(","))

    import baseline_lexicon as before

    from brainweave import knowledge

    print(f"load average: {os.getloadavg()[0]:.2f} (1 min), cpus: {os.cpu_count()}")
    t0 = time.perf_counter()
    kn = knowledge.load(args.data, cache=False)
    print(f"vocabularies built in {time.perf_counter() - t0:.1f}s: {len(kn.entities):,} entities")
    for i in kn.infos:
        print(f"  {i.name:22s} {i.entities:>7,}  {i.version}")
    t0 = time.perf_counter()
    kn = knowledge.load(args.data)
    print(f"(then from the process cache in {time.perf_counter() - t0:.2f}s)")

    sample = (
        draw(args.data, args.per_domain, args.seed) if sections & {"coverage", "throughput"} else {}
    )
    texts = [t for docs in sample.values() for _, t in docs]
    if "coverage" in sections:
        print(
            f"\n## coverage ({args.per_domain} random documents per domain, "
            f"first {PASSAGE_CHARS} characters)"
        )
        print(
            f"{'domain':14s} {'before: covered':>16s} {'ents/passage':>13s} "
            f"{'after: covered':>15s} {'ents/passage':>13s}"
        )
        for domain, docs in sample.items():
            b = [set(before.find_entities(t)) for _, t in docs]
            a = [{m.entity_id for m in kn.find(t) if not m.negated} for _, t in docs]
            n = len(docs)
            print(
                f"{domain:14s} {sum(1 for x in b if x) / n:>16.1%} {sum(map(len, b)) / n:>13.2f} "
                f"{sum(1 for x in a if x) / n:>15.1%} {sum(map(len, a)) / n:>13.2f}"
            )
            kinds = Counter(kn.entities[e].kind for x in a for e in x if e in kn.entities)
            print(
                f"{'':14s} after, by kind: " + ", ".join(f"{k} {v}" for k, v in kinds.most_common())
            )

    if "bridging" in sections:
        bridging(kn, args.data, args.bridge_docs)
    if "labels" in sections:
        print("\n## precision / recall on the labelled sample (tests/data/entity_labels.jsonl)")
        labels_path = REPO / "tests" / "data" / "entity_labels.jsonl"
        lines = [json.loads(x) for x in labels_path.read_text(encoding="utf-8").splitlines()]
        head, rows = lines[0], lines[1:]
        wanted = {r["doc_id"]: r for r in rows}
        from brainweave.corpora import builtin_sources
        from brainweave.retrieval.ingest import iter_documents

        texts_by_id: dict[str, str] = {}
        for s in builtin_sources():
            for d in iter_documents(s, args.data, skip_bad=True):
                if d.id in wanted:
                    texts_by_id[d.id] = d.text[: head["chars"]]
        for which in ("development", "held-out"):
            subset = {k: r for k, r in wanted.items() if r.get("set") == which}
            if not subset:
                continue
            tp = fp = fn = 0
            per_kind: dict[str, Counter[str]] = {}
            for doc_id, r in subset.items():
                gold = set(r["gold"])
                got = {m.entity_id for m in kn.find(texts_by_id[doc_id]) if not m.negated}
                for e in gold | got:
                    k = kn.entities[e].kind if e in kn.entities else "unlisted"
                    c = per_kind.setdefault(k, Counter())
                    c["tp" if e in gold and e in got else "fp" if e in got else "fn"] += 1
                tp += len(gold & got)
                fp += len(got - gold)
                fn += len(gold - got)
            print(
                f"{which}: {len(subset)} passages, {tp + fn} labelled entities: "
                f"precision {tp / (tp + fp):.3f}, recall {tp / (tp + fn):.3f} "
                f"(tp {tp}, fp {fp}, fn {fn})"
            )
            unl = per_kind.get("unlisted", Counter())["fn"]
            print(
                f"  recall on the entities the vocabularies list: {tp / (tp + fn - unl):.3f} "
                f"({unl} labelled entities are in no vocabulary)"
            )
            for k, c in sorted(per_kind.items()):
                print(f"  {k:12s} tp {c['tp']:3d}  fp {c['fp']:3d}  fn {c['fn']:3d}")

    if "throughput" in sections:
        print(f"\n## throughput ({len(texts)} passages)")
        t0 = time.perf_counter()
        for t in texts:
            before.find_entities(t)
        b_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        for t in texts:
            kn.find(t)
        a_s = time.perf_counter() - t0
        print(f"before (regex lexicon): {len(texts) / b_s:,.0f} passages/s")
        print(
            f"after (Aho-Corasick, all vocabularies): {len(texts) / a_s:,.0f} passages/s "
            f"({a_s / b_s:.2f}x the baseline's time)"
        )
        import tempfile

        from brainweave.knowledge import graph

        t0 = time.perf_counter()
        annotated = graph.annotate(kn, ((t.split("\n", 1)[0], t) for t in texts))
        with tempfile.TemporaryDirectory() as tmp:
            db = Path(tmp) / "passages.sqlite"
            summary = graph.write(db, kn, annotated)
        w_s = time.perf_counter() - t0
        print(
            f"annotate + statistics + store (mentions, entity_stats, comentions in sqlite): "
            f"{len(texts) / w_s:,.0f} passages/s ({summary['mentions']:,} mentions, "
            f"{summary['comention_pairs']:,} co-mention pairs)"
        )
        a_s = max(a_s, w_s)  # the build pays all of it
        quiet = 45.3  # passages/s: README, "Embedding", all-MiniLM-L6-v2 on a quiet machine
        print(
            f"against the README's quiet-machine embedding rate ({quiet} passages/s), the "
            f"annotation adds {quiet * a_s / len(texts):.1%} to the embedding time of a build"
        )
        if not args.no_embed:
            from brainweave.retrieval.embedder import load_embedder
            from brainweave.settings import load_settings

            emb = load_embedder(load_settings().embedder)
            part = texts[:256]
            emb.embed(part[:8])
            t0 = time.perf_counter()
            emb.embed(part)
            e_s = (time.perf_counter() - t0) / len(part)
            per = a_s / len(texts)
            print(f"embedding with {emb.name}: {1 / e_s:,.1f} passages/s")
            print(
                f"annotation's share of embedding + annotation: {per / (per + e_s):.1%} "
                f"(annotation adds {per / e_s:.1%} to the embedding time)"
            )
    if "build" in sections:
        build_share(args.data, args.build_docs, args.profile)


def bridging(kn: Any, data: Path, max_docs: int) -> None:
    """Distinct bridging entities per benchmark question: entities named by the findings
    of two or more domains, before (the hand lexicon) and after (the knowledge layer).

    The findings are the agents' extractive ones (``agents.extractive``: the best
    sentence of each of the top passages, as a run without an LLM makes them) from a
    fast-profile index of the first ``max_docs`` records of each source; a finding's
    entities are those of its sentence and its passage's title, as ``Finding.entities``
    are. Both lexicons read the same findings."""
    import tempfile

    import baseline_lexicon as before
    from questions import QUESTIONS

    from brainweave.agents.extractive import extractive
    from brainweave.retrieval import build_indexes
    from brainweave.retrieval.service import Retriever
    from brainweave.settings import load_settings

    print(
        f"\n## bridging entities per benchmark question ({len(QUESTIONS)} questions; "
        f"extractive findings from fast-profile indexes of {max_docs} records per source)"
    )
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["BRAINWEAVE_HOME"] = str(Path(tmp) / "home")
        settings = load_settings(
            profile="fast",
            home=Path(tmp) / "home",
            data_dir=data,
            index={"max_docs_per_source": max_docs},
        )
        results = build_indexes(settings)
        domains = [r.domain for r in results]
        retriever = Retriever(settings)
        k, per = settings.agents.k, 3
        rows = []
        for q in QUESTIONS:
            by_domain_b: dict[str, set[str]] = {}
            by_domain_a: dict[str, set[str]] = {}
            pass_b: dict[str, set[str]] = {}
            pass_a: dict[str, set[str]] = {}
            for d in domains:
                hits = retriever.search(d, q, k)
                titles = {h.passage_id: h.title for h in hits}
                texts = [f"{c} {titles[pid]}" for c, pid in extractive(q, hits, per)]
                by_domain_b[d] = {e for t in texts for e in before.find_entities(t)}
                by_domain_a[d] = {m.entity_id for t in texts for m in kn.find(t) if not m.negated}
                # the evidence behind them: the whole retrieved passages (title and text)
                full = [f"{h.title}\n{h.text}" for h in hits]
                pass_b[d] = {e for t in full for e in before.find_entities(t)}
                pass_a[d] = {m.entity_id for t in full for m in kn.find(t) if not m.negated}

            def shared(sets: dict[str, set[str]]) -> set[str]:
                seen: Counter[str] = Counter(e for s in sets.values() for e in s)
                return {e for e, n in seen.items() if n >= 2}

            b, a = shared(by_domain_b), shared(by_domain_a)
            specific = {e for e in a if not (e in kn.entities and kn.entities[e].generic)}
            pb, pa = shared(pass_b), shared(pass_a)
            rows.append((len(b), len(a), len(specific), len(pb), len(pa)))
            names = ", ".join(sorted(kn.entities[e].name if e in kn.entities else e for e in a))
            print(
                f"findings {len(b):3d} -> {len(a):3d} ({len(specific)} not generic); "
                f"passages {len(pb):3d} -> {len(pa):3d}  {q}"
            )
            print(f"{'':8s}after, findings: {names[:150]}")
        nb = sum(r[0] for r in rows) / len(rows)
        na = sum(r[1] for r in rows) / len(rows)
        ns = sum(r[2] for r in rows) / len(rows)
        none_b = sum(1 for r in rows if r[0] == 0)
        none_a = sum(1 for r in rows if r[1] == 0)
        pb_m = sum(r[3] for r in rows) / len(rows)
        pa_m = sum(r[4] for r in rows) / len(rows)
        print(
            f"mean distinct bridging entities per question: before {nb:.1f}, after {na:.1f} "
            f"({ns:.1f} not generic); {na / nb if nb else float('inf'):.1f}x the baseline; "
            f"questions with none: before {none_b}, after {none_a}"
        )
        print(
            f"in the retrieved passages ({k} per domain) the findings come from: before "
            f"{pb_m:.1f}, after {pa_m:.1f} ({pa_m / pb_m if pb_m else float('inf'):.1f}x)"
        )


def build_share(data: Path, max_docs: int, profile: str) -> None:
    """An ``index build`` of every domain (first ``max_docs`` records of each source),
    once without the entity annotation and once with it, in this process.

    "Without" replaces the store's annotation hook with one that annotates nothing (the
    build is otherwise the same code); "with" is the build as shipped, with its
    vocabulary load, annotation and mention writing timed where the store calls them."""
    import tempfile

    from brainweave import knowledge
    from brainweave.retrieval import build_indexes, store
    from brainweave.retrieval.embedder import load_embedder
    from brainweave.settings import load_settings

    print(f"\n## share of an index build ({profile} profile, --max-docs {max_docs}, all domains)")
    print(f"load average: {os.getloadavg()[0]:.2f} (1 min)")
    real_annotate, real_write = store._annotate, store._write_mentions
    spent: Counter[str] = Counter()

    def no_annotate(passages: Any, data_dir: Path) -> tuple[Any, list[Any], dict[str, float]]:
        return None, [], {}

    def timed_annotate(passages: Any, data_dir: Path) -> tuple[Any, list[Any], dict[str, float]]:
        t0 = time.perf_counter()
        out = real_annotate(passages, data_dir)
        spent["annotate (with vocabulary load)"] += time.perf_counter() - t0
        spent["vocabulary load"] += out[2]["vocabularies"]
        return out

    def timed_write(db_path: Path, kn: Any, annotated: list[Any]) -> dict[str, Any]:
        t0 = time.perf_counter()
        out = real_write(db_path, kn, annotated)
        spent["store mentions"] += time.perf_counter() - t0
        return out

    with tempfile.TemporaryDirectory() as tmp:
        os.environ["BRAINWEAVE_HOME"] = str(Path(tmp) / "home")
        settings = load_settings(
            profile=profile,
            home=Path(tmp) / "home",
            data_dir=data,
            index={"max_docs_per_source": max_docs},
        )
        embedder = load_embedder(settings.embedder)
        embedder.embed(["warm up the embedder"])
        knowledge.build._loaded.clear()
        t0 = time.perf_counter()
        knowledge.load(data, cache=True)  # the one-time vocabulary build, cached on disk
        first = time.perf_counter() - t0
        print(f"one-time vocabulary build (then cached on disk): {first:.1f}s", flush=True)
        # warm the imports, the corpus checksums and the tokenizer on a 5-record build
        warm = settings.model_copy(
            update={"index": settings.index.model_copy(update={"max_docs_per_source": 5})}
        )
        build_indexes(warm, force=True, embedder=embedder)
        totals: dict[str, float] = {}
        passages = 0
        for label, ann, wr in (  # "with" first: its own timings are the main figure
            ("with annotation", timed_annotate, timed_write),
            ("without annotation", no_annotate, lambda db, kn, a: {}),
        ):
            store._annotate, store._write_mentions = ann, wr  # type: ignore[assignment]
            knowledge.build._loaded.clear()  # the build loads the vocabulary from disk
            try:
                t0 = time.perf_counter()
                results = build_indexes(settings, force=True, embedder=embedder)
                totals[label] = time.perf_counter() - t0
            finally:
                store._annotate, store._write_mentions = real_annotate, real_write
            passages = sum(r.manifest["count"] for r in results)
            embed = sum(r.manifest["timings_s"]["embed"] for r in results)
            print(
                f"{label:20s}: {totals[label]:7.1f}s for {passages:,} passages "
                f"({embed:.1f}s of it embedding); load {os.getloadavg()[0]:.2f}",
                flush=True,
            )
            if label == "with annotation":
                cost = spent["annotate (with vocabulary load)"] + spent["store mentions"]
                for k, v in spent.items():
                    print(f"  {k}: {v:.2f}s")
                print(
                    f"knowledge layer, timed inside the build: {cost:.1f}s = "
                    f"{cost / totals[label]:.1%} of the build (target: at most 10%)",
                    flush=True,
                )
        w = totals["with annotation"]
        diff = w - totals["without annotation"]
        print(
            f"end to end, with minus without: {diff:+.1f}s = {diff / w:+.1%} "
            f"(the difference of two builds on a shared machine: noisier)"
        )


if __name__ == "__main__":
    main()
