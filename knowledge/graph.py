"""The evidence graph: what is said where.

Per domain, stored in the index's passage store (``passages.sqlite``) at build:

- ``mentions``: every passage's mentions (entity id, kind, field, span, surface
  text, how it was matched, negated);
- ``entity_stats``: per entity, the number of passages that name it;
- ``comentions``: per pair of entities, the number of passages naming both
  (negated and generic mentions left out).

Beside them, the curated gene–phenotype–disease associations of the HPO
(``genes_to_phenotype.txt``, source "HPO annotations") are edges of their own,
so genetics and clinical connect where no passage names both.

:class:`EvidenceGraph` is the read API over one domain's store (mentions of a
passage, passages naming an entity, co-mentions, document frequencies);
:func:`curated_edges` gives the HPO edges of an entity.
"""

from __future__ import annotations

import sqlite3
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import combinations
from pathlib import Path
from typing import Any

from brainweave.knowledge.build import Knowledge
from brainweave.knowledge.matcher import Mention
from brainweave.knowledge.phenotypes import gene_annotations

#: co-mentions counted among at most this many entities of one passage
MAX_PAIR_ENTITIES = 40
CURATED_SOURCE = "HPO annotations"

SCHEMA = """
CREATE TABLE IF NOT EXISTS mentions (
    row INTEGER NOT NULL, entity_id TEXT NOT NULL, kind TEXT NOT NULL, field TEXT NOT NULL,
    start INTEGER NOT NULL, "end" INTEGER NOT NULL, surface TEXT NOT NULL, how TEXT NOT NULL,
    negated INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS entity_stats (
    entity_id TEXT PRIMARY KEY, kind TEXT NOT NULL, passages INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS comentions (
    a TEXT NOT NULL, b TEXT NOT NULL, passages INTEGER NOT NULL, PRIMARY KEY (a, b)
);
"""
INDEXES = """
CREATE INDEX IF NOT EXISTS mentions_row ON mentions(row);
CREATE INDEX IF NOT EXISTS mentions_entity ON mentions(entity_id);
CREATE INDEX IF NOT EXISTS comentions_b ON comentions(b);
"""


@dataclass
class Annotated:
    """The mentions of one passage, by field."""

    title: list[Mention]
    text: list[Mention]

    def entity_ids(self, *, negated: bool = False) -> set[str]:
        return {m.entity_id for m in (*self.title, *self.text) if negated or not m.negated}


def annotate(kn: Knowledge, items: Iterable[tuple[str, str]]) -> list[Annotated]:
    """Mentions of each (title, text); a title repeated across chunks is matched once."""
    out: list[Annotated] = []
    title_cache: dict[str, list[Mention]] = {}
    for title, text in items:
        if title not in title_cache:
            if len(title_cache) > 10_000:
                title_cache.clear()
            title_cache[title] = kn.find(title)
        out.append(Annotated(title_cache[title], kn.find(text)))
    return out


def statistics(
    kn: Knowledge, annotated: Sequence[Annotated]
) -> tuple[Counter[str], Counter[tuple[str, str]]]:
    """Passages per entity, and passages per co-mentioned pair (a < b)."""
    df: Counter[str] = Counter()
    co: Counter[tuple[str, str]] = Counter()
    for a in annotated:
        ids = a.entity_ids()
        df.update(ids)
        linkable = sorted(i for i in ids if not (kn.entities.get(i) and kn.entities[i].generic))[
            :MAX_PAIR_ENTITIES
        ]
        co.update(combinations(linkable, 2))
    return df, co


def write(db_path: Path, kn: Knowledge, annotated: Sequence[Annotated]) -> dict[str, Any]:
    """Store mentions and statistics in a passage store; return a summary for the manifest."""
    df, co = statistics(kn, annotated)
    con = sqlite3.connect(db_path)
    try:
        con.executescript(SCHEMA)
        con.executemany(
            "INSERT INTO mentions VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                (row, m.entity_id, m.kind, field, m.start, m.end, m.text, m.how, int(m.negated))
                for row, a in enumerate(annotated)
                for field, ms in (("title", a.title), ("text", a.text))
                for m in ms
            ),
        )
        con.executemany(
            "INSERT INTO entity_stats VALUES (?, ?, ?)",
            ((e, kn.entities[e].kind if e in kn.entities else "", n) for e, n in df.items()),
        )
        con.executemany(
            "INSERT INTO comentions VALUES (?, ?, ?)", ((a, b, n) for (a, b), n in co.items())
        )
        con.executescript(INDEXES)
        con.commit()
    finally:
        con.close()
    n_mentions = sum(len(a.title) + len(a.text) for a in annotated)
    return {
        "mentions": n_mentions,
        "passages_with_entities": sum(1 for a in annotated if a.entity_ids()),
        "distinct_entities": len(df),
        "comention_pairs": len(co),
        "by_kind": dict(Counter(kn.entities[e].kind for e in df if e in kn.entities)),
    }


@dataclass(frozen=True)
class StoredMention:
    passage_id: str
    entity_id: str
    kind: str
    field: str
    start: int
    end: int
    surface: str
    how: str
    negated: bool


class EvidenceGraph:
    """Read one domain's mentions and entity statistics from its passage store."""

    def __init__(self, domain: str, db_path: Path) -> None:
        self.domain = domain
        self.db_path = db_path

    def _query(self, sql: str, args: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        con = sqlite3.connect(f"file:{self.db_path}?mode=ro", uri=True)
        try:
            return list(con.execute(sql, args))
        except sqlite3.OperationalError as err:
            if "no such table" in str(err):
                from brainweave.errors import IndexCorruptError

                raise IndexCorruptError(
                    f"the {self.domain} index was built without entity mentions",
                    f"rebuild it with `brainweave index build --domain {self.domain}`",
                ) from err
            raise
        finally:
            con.close()

    def mentions_of(self, passage_id: str) -> list[StoredMention]:
        rows = self._query(
            'SELECT p.passage_id, m.entity_id, m.kind, m.field, m.start, m."end", m.surface, '
            "m.how, m.negated FROM mentions m JOIN passages p ON p.row = m.row "
            "WHERE p.passage_id = ? ORDER BY m.field DESC, m.start",
            (passage_id,),
        )
        return [
            StoredMention(
                passage_id=str(r[0]),
                entity_id=str(r[1]),
                kind=str(r[2]),
                field=str(r[3]),
                start=int(r[4]),
                end=int(r[5]),
                surface=str(r[6]),
                how=str(r[7]),
                negated=bool(r[8]),
            )
            for r in rows
        ]

    def passages_mentioning(
        self, entity_id: str, limit: int = 20, *, negated: bool = False
    ) -> list[str]:
        rows = self._query(
            "SELECT p.passage_id FROM mentions m JOIN passages p ON p.row = m.row "
            "WHERE m.entity_id = ? AND (? OR m.negated = 0) GROUP BY m.row ORDER BY m.row LIMIT ?",
            (entity_id, int(negated), limit),
        )
        return [r[0] for r in rows]

    def doc_frequency(self, entity_id: str) -> int:
        rows = self._query("SELECT passages FROM entity_stats WHERE entity_id = ?", (entity_id,))
        return int(rows[0][0]) if rows else 0

    def passages(self) -> int:
        return int(self._query("SELECT COUNT(*) FROM passages")[0][0])

    def co_mentions(self, entity_id: str, limit: int = 10) -> list[tuple[str, int]]:
        rows = self._query(
            "SELECT b, passages FROM comentions WHERE a = ? UNION ALL "
            "SELECT a, passages FROM comentions WHERE b = ? ORDER BY 2 DESC, 1 LIMIT ?",
            (entity_id, entity_id, limit),
        )
        return [(r[0], int(r[1])) for r in rows]

    def co_mention_count(self, a: str, b: str) -> int:
        """Passages of the domain naming both entities (the stored co-mention count)."""
        x, y = sorted((a, b))
        rows = self._query("SELECT passages FROM comentions WHERE a = ? AND b = ?", (x, y))
        return int(rows[0][0]) if rows else 0

    def passages_naming_both(self, a: str, b: str, limit: int = 3) -> tuple[int, list[str]]:
        """(how many passages name both entities, the first ``limit`` of them), negated
        mentions left out; read from the mentions, so generic entities count too."""
        rows = self._query(
            "SELECT p.passage_id FROM passages p WHERE p.row IN ("
            "SELECT x.row FROM mentions x JOIN mentions y ON x.row = y.row "
            "WHERE x.entity_id = ? AND y.entity_id = ? AND x.negated = 0 AND y.negated = 0) "
            "ORDER BY p.row",
            (a, b),
        )
        return len(rows), [str(r[0]) for r in rows[:limit]]

    def top_entities(self, limit: int = 20, kind: str | None = None) -> list[tuple[str, int]]:
        rows = self._query(
            "SELECT entity_id, passages FROM entity_stats WHERE (? IS NULL OR kind = ?) "
            "ORDER BY passages DESC, entity_id LIMIT ?",
            (kind, kind, limit),
        )
        return [(r[0], int(r[1])) for r in rows]


@dataclass(frozen=True)
class CuratedEdge:
    """A curated association: gene–phenotype, gene–disease or disease–phenotype."""

    a: str
    b: str
    via: str  # the disease that links a gene and a phenotype ("" for direct edges)
    source: str = CURATED_SOURCE


@lru_cache(maxsize=1)
def _annotation_index() -> dict[str, list[tuple[str, str, str]]]:
    idx: dict[str, list[tuple[str, str, str]]] = {}
    seen: set[tuple[str, str, str]] = set()
    for a in gene_annotations():
        for x, y, via in (
            (a.gene_id, a.phenotype_id, a.disease_id),
            (a.gene_id, a.disease_id, ""),
            (a.disease_id, a.phenotype_id, ""),
        ):
            if (x, y, via) in seen:
                continue
            seen.add((x, y, via))
            idx.setdefault(x, []).append((x, y, via))
            idx.setdefault(y, []).append((x, y, via))
    return idx


def curated_edges(entity_id: str, limit: int | None = None) -> list[CuratedEdge]:
    """The HPO annotations' edges touching an entity (a gene, phenotype or disease)."""
    edges = [CuratedEdge(a, b, via) for a, b, via in _annotation_index().get(entity_id, [])]
    return edges if limit is None else edges[:limit]
