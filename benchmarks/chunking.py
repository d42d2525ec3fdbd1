"""Chunking time against record length: the linear chunker against the one before
it (baseline: ``chunk_spans`` as it was, copying ``text[:end]`` for every chunk,
which made chunking quadratic in the record's length).

Records of 1, 2 and 4 MB made of real abstracts (the neuroimaging corpus, repeated
to length), tokenised once by the fast profile's hash tokenizer; only
``chunk_spans`` is timed. Prints seconds for each and the ratio baseline / now,
and checks that both give the same spans.

    python benchmarks/chunking.py --data ../shared/data [--sizes 1,2,4]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from brainweave.retrieval.chunking import _SENTENCE_END, _sentence_cut, _word_start, chunk_spans
from brainweave.retrieval.embedder import HashEmbedder


def spans_before(text: str, offs: list[tuple[int, int]], budget: int, overlap: int) -> list:
    """The baseline: the chunker before it was made linear."""
    n = len(offs)
    budget = max(budget, 8)
    overlap = min(overlap, budget // 2)
    starts = [a for a, _ in offs]
    ends = [m.end() for m in _SENTENCE_END.finditer(text)]
    spans, start = [], 0
    while start < n:
        stop = min(start + budget, n)
        if stop < n:
            stop = _sentence_cut(starts, ends, start, stop, budget)
        end_char = len(text) if stop >= n else starts[stop]
        spans.append((starts[start], len(text[:end_char].rstrip())))
        if stop >= n:
            break
        start = _word_start(text, offs, max(stop - overlap, start + 1))
    return spans


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", type=Path, default=Path("../shared/data"))
    ap.add_argument("--sizes", default="1,2,4", help="record sizes in MB")
    args = ap.parse_args()
    path = args.data / "corpora" / "neuroimaging" / "pmc_oa_neuroimaging_abstracts.jsonl"
    with path.open(encoding="utf-8") as fh:
        base = " ".join(json.loads(line).get("abstract") or "" for line in fh)
    tok = HashEmbedder()
    print(f"{'size':>6} {'passages':>9} {'baseline s':>11} {'now s':>8} {'ratio':>7}")
    for mb in (float(x) for x in args.sizes.split(",")):
        n = int(mb * 1_000_000)
        text = (base * (n // len(base) + 1))[:n]
        offs = tok.token_offsets([text])[0]
        t0 = time.perf_counter()
        old = spans_before(text, offs, 120, 16)
        t1 = time.perf_counter()
        new = chunk_spans(text, offs, 120, 16)
        t2 = time.perf_counter()
        assert new == old, "the linear chunker gave other spans"
        print(
            f"{mb:>4.0f}MB {len(new):>9,} {t1 - t0:>11.2f} {t2 - t1:>8.3f} "
            f"{(t1 - t0) / (t2 - t1):>6.0f}x"
        )


if __name__ == "__main__":
    main()
