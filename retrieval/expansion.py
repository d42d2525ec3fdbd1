"""Entity-aware query expansion: the other names of the entities a query mentions.

The knowledge layer finds the query's entity mentions (genes, HPO terms, diseases,
regions, ...); each mentioned entity contributes its name (a gene's symbol), its
synonyms (a gene's full name, an HPO term's or a region's synonyms). BM25 adds them
as optional phrases; with ``search.expand_dense`` the dense side also embeds the
query with them appended, as a second query fused with the first.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from brainweave.retrieval.lexical import tokens

if TYPE_CHECKING:
    from brainweave.knowledge import Knowledge

#: at most this many names per mentioned entity (its name first, then synonyms in
#: the vocabulary's order): an HPO term can have dozens of synonyms
MAX_NAMES = 6


def entity_names(knowledge: Knowledge, query: str) -> list[str]:
    """Other names of the entities ``query`` mentions, not negated and not generic
    ("disease", "brain"), without the spelling the query already uses."""
    out: dict[str, str] = {}
    said = f" {' '.join(tokens(query))} "
    for m in knowledge.find(query):
        if m.negated:
            continue
        e = knowledge.get(m.entity_id)
        if e is None or e.generic:
            continue
        for name in [e.name, *e.synonyms][:MAX_NAMES]:
            key = " ".join(tokens(name))
            if key and f" {key} " not in said and key not in out:
                out[key] = name
    return list(out.values())


def expanded_text(query: str, names: list[str]) -> str:
    """The query with the names appended, for the embedder."""
    return f"{query} ({'; '.join(names)})" if names else query
