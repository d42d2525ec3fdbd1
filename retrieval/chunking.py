"""Split documents into passages that fit the embedder's window.

Chunks are cut on token boundaries from the embedder's own tokenizer, preferring
sentence ends, so a passage never overflows the window (the title, which is
embedded with every passage, counts against the budget) and no text is dropped.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Sequence

from brainweave.retrieval.documents import Document, Passage

Offsets = Sequence[tuple[int, int]]
_SENTENCE_END = re.compile(r"[.!?;:](?=\s)")


def embedding_text(title: str, text: str) -> str:
    """What the embedder sees for a passage: the title gives every chunk its context."""
    return f"{title}: {text}" if title else text


def chunk_spans(text: str, offsets: Offsets, budget: int, overlap: int) -> list[tuple[int, int]]:
    """Character spans of the chunks of ``text``.

    ``offsets`` are the (start, end) characters of each token; ``budget`` is the
    most tokens in a chunk; consecutive chunks share about ``overlap`` tokens. A
    chunk runs up to where the next one's first token starts, so punctuation that
    a tokenizer leaves out (a word tokenizer, say) stays with its sentence.
    """
    n = len(offsets)
    if n == 0:
        return [(0, len(text))] if text.strip() else []
    budget = max(budget, 8)
    overlap = min(overlap, budget // 2)
    starts = [a for a, _ in offsets]
    ends = [m.end() for m in _SENTENCE_END.finditer(text)]
    spans = []
    start = 0
    while start < n:
        stop = min(start + budget, n)
        if stop < n:
            stop = _sentence_cut(starts, ends, start, stop, budget)
        end_char = len(text) if stop >= n else starts[stop]
        spans.append((starts[start], _rstrip_end(text, end_char, starts[start])))
        if stop >= n:
            break
        start = _word_start(text, offsets, max(stop - overlap, start + 1))
    return spans


def _rstrip_end(text: str, end: int, floor: int) -> int:
    """``len(text[:end].rstrip())`` without copying ``text[:end]``: copying it per
    chunk made chunking quadratic in the record's length (a 4 MB record took 24 s)."""
    while end > floor and text[end - 1].isspace():
        end -= 1
    return end


def _sentence_cut(starts: list[int], ends: list[int], start: int, stop: int, budget: int) -> int:
    """Move ``stop`` back to the first token after the chunk's last sentence end,
    if that sentence end lies in the chunk's second half."""
    floor = start + budget // 2
    i = bisect_right(ends, starts[stop]) - 1
    if i >= 0:
        after = bisect_left(starts, ends[i])  # first token starting after the end
        if floor < after <= stop:
            return after
    return stop


def _word_start(text: str, offsets: Offsets, tok: int) -> int:
    """Advance ``tok`` to a token that starts a word, so chunks never begin mid-word."""
    n = len(offsets)
    while tok < n - 1 and offsets[tok][0] > 0 and not text[offsets[tok][0] - 1].isspace():
        tok += 1
    return tok


def chunk_document(
    doc: Document, offsets: Offsets, title_tokens: int, window: int, overlap: int
) -> list[Passage]:
    # 1 token for the ':' joining title and text; a very long title is cut by the
    # embedder rather than starving the passage
    budget = window - min(title_tokens, window // 3) - 1
    spans = chunk_spans(doc.text, offsets, budget, overlap)
    return [
        Passage(
            id=f"{doc.id}#{i}",
            doc_id=doc.id,
            domain=doc.domain,
            source=doc.source,
            title=doc.title,
            text=doc.text[a:b],
            chunk=i,
            url=doc.url,
        )
        for i, (a, b) in enumerate(spans)
    ]
