"""Chunking: passages fit the embedder's window, keep all the text, prefer sentence ends."""

from __future__ import annotations

import itertools
import re

from brainweave.retrieval.chunking import chunk_document, chunk_spans
from brainweave.retrieval.documents import Document
from brainweave.retrieval.embedder import HashEmbedder

TOK = HashEmbedder()


def offsets(text: str) -> list[tuple[int, int]]:
    return TOK.token_offsets([text])[0]


def words(text: str) -> list[str]:
    return re.findall(r"\w+", text)


SENTENCES = " ".join(
    f"Sentence number {i} reports that region {i} was more active than baseline." for i in range(40)
)


def test_short_text_is_one_chunk() -> None:
    text = "APOE e4 raises the risk of late-onset Alzheimer disease."
    assert chunk_spans(text, offsets(text), budget=50, overlap=5) == [(0, len(text))]


def test_chunks_fit_the_budget_and_cover_every_token() -> None:
    spans = chunk_spans(SENTENCES, offsets(SENTENCES), budget=40, overlap=8)
    assert len(spans) > 5
    covered: set[int] = set()
    for a, b in spans:
        assert len(offsets(SENTENCES[a:b])) <= 40
        covered.update(i for i, (s, _) in enumerate(offsets(SENTENCES)) if a <= s < b)
    assert covered == set(range(len(offsets(SENTENCES))))


def test_chunks_end_at_sentence_ends_and_overlap() -> None:
    spans = chunk_spans(SENTENCES, offsets(SENTENCES), budget=40, overlap=8)
    for _a, b in spans[:-1]:
        assert SENTENCES[b - 1] == "."
    for (_, b1), (a2, _) in itertools.pairwise(spans):
        assert a2 < b1  # consecutive chunks share text
        assert a2 == 0 or SENTENCES[a2 - 1] == " "  # and start on a word


def test_text_without_sentence_ends_is_cut_on_the_budget() -> None:
    text = " ".join(f"w{i}" for i in range(100))
    spans = chunk_spans(text, offsets(text), budget=30, overlap=0)
    assert [len(words(text[a:b])) for a, b in spans] == [30, 30, 30, 10]


def test_passages_keep_stable_ids_and_their_document() -> None:
    doc = Document(
        id="src/X1",
        domain="genetics",
        title="A gene",
        text=SENTENCES,
        source="src",
        url="https://example.org/x1",
        license="CC0",
    )
    ps = chunk_document(doc, offsets(doc.text), title_tokens=2, window=40, overlap=4)
    assert [p.id for p in ps] == [f"src/X1#{i}" for i in range(len(ps))]
    assert all(p.doc_id == "src/X1" and p.url == doc.url and p.title == "A gene" for p in ps)
    again = chunk_document(doc, offsets(doc.text), title_tokens=2, window=40, overlap=4)
    assert again == ps


def _spans_before(text: str, offs: list[tuple[int, int]], budget: int, overlap: int) -> list:
    """The chunker as it was before it was made linear (it copied ``text[:end]`` per
    chunk): the reference the linear one must match span for span."""
    from brainweave.retrieval.chunking import _SENTENCE_END, _sentence_cut, _word_start

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


def test_real_records_chunk_as_before(data_dir) -> None:
    import json

    path = data_dir / "corpora" / "neuroimaging" / "pmc_oa_neuroimaging_abstracts.jsonl"
    with path.open(encoding="utf-8") as fh:
        texts = [t for t in (json.loads(line).get("abstract") or "" for line in fh) if t][:150]
    texts.append("Trailing   spaces  and\ttabs \n\n at the ends.   \n" * 60)
    for text in texts:
        offs = offsets(text)
        assert chunk_spans(text, offs, 40, 8) == _spans_before(text, offs, 40, 8)


def test_a_long_record_chunks_in_linear_time() -> None:
    """A 2 MB record took 5 s (quadratic: 1 / 2 / 4 MB took 1.4 / 5.0 / 23.9 s)."""
    import time

    text = SENTENCES * (2_000_000 // len(SENTENCES))
    offs = offsets(text)
    t0 = time.perf_counter()
    spans = chunk_spans(text, offs, budget=120, overlap=16)
    seconds = time.perf_counter() - t0
    assert spans[0][0] == 0 and spans[-1][1] == len(text.rstrip())
    assert len(spans) > len(offs) // 120
    assert seconds < 1.0, f"chunking a 2 MB record took {seconds:.1f} s"
