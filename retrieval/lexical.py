"""BM25 over a domain's passages: an SQLite FTS5 table inside ``passages.sqlite``.

The lexical index lives in the same SQLite file as the passages it indexes, so it is
built, checksummed, swapped and reused with the dense index by the same manifest
rules (no extra file, no pickle). FTS5's own ``bm25()`` ranks.

Tokenisation keeps what scientists type intact. Python normalises each text into
space-separated tokens that FTS5's ``unicode61`` tokenizer (with ``-`` and ``:`` as
token characters) then takes as they are:

- gene symbols and names with digits stay one token, case-folded (``GRIN2B`` ->
  ``grin2b``, ``TH`` -> ``th``);
- hyphenated names are kept whole *and* as their parts (``Aarskog-Scott`` ->
  ``aarskog-scott`` in the ``body`` column, ``aarskog`` and ``scott`` in ``parts``),
  so both "Aarskog-Scott" and "Aarskog Scott" find it, and a quoted phrase still
  matches word by word in ``body``;
- identifiers are normalised to one spelling in the ``ids`` column (``HP:0001250``
  -> ``hp:0001250``, ``NCT01234567`` -> ``nct01234567``, PMID 123 / PMID:123 ->
  ``pmid:123``, NCBI Gene 348 / NCBIGene:348 -> ``ncbigene:348``, ``PMC123``).

Queries: words are OR-ed (BM25 is a bag of words); ``"a quoted phrase"`` must occur
word for word; an id is looked up exactly. A query of nothing but stop words or
punctuation is refused with a message, not answered with noise.
"""

from __future__ import annotations

import json
import re
import sqlite3
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from brainweave.errors import BrainweaveError

#: bumped whenever tokenisation, columns or weights change: a different version in an
#: index's manifest means ``index build`` rebuilds it.
LEXICAL_VERSION = 1
TABLE = "lexical"
COLUMNS = ("title", "body", "parts", "ids")
#: bm25() column weights (title, body, parts, ids); k1 and b are FTS5's fixed 1.2 / 0.75
WEIGHTS = (2.0, 1.0, 1.0, 4.0)
FTS_TOKENIZER = "unicode61 remove_diacritics 2 tokenchars '-:'"


def params() -> dict[str, Any]:
    """What the lexical index depends on, recorded in the manifest."""
    return {
        "engine": "sqlite-fts5",
        "version": LEXICAL_VERSION,
        "tokenizer": FTS_TOKENIZER,
        "columns": list(COLUMNS),
        "weights": list(WEIGHTS),
        "k1": 1.2,
        "b": 0.75,
    }


# ----- tokenisation ------------------------------------------------------------------
_TOKEN = re.compile(r"[^\W_]+(?:[-:][^\W_]+)*")
_ID_PATTERNS: tuple[tuple[re.Pattern[str], Callable[[re.Match[str]], str]], ...] = (
    (re.compile(r"\bNCT\s?(\d{8})\b", re.I), lambda m: f"nct{m[1]}"),
    (re.compile(r"\bHP[:_](\d{7})\b", re.I), lambda m: f"hp:{m[1]}"),
    (re.compile(r"\bPMID\s*:?\s*(\d{1,9})\b", re.I), lambda m: f"pmid:{m[1]}"),
    (re.compile(r"\bPMC\s?(\d{3,9})\b", re.I), lambda m: f"pmc{m[1]}"),
    (
        re.compile(r"\b(?:NCBI\s?Gene|Gene\s?ID|Entrez(?:\s?Gene)?)\s*:?\s*(\d{1,9})\b", re.I),
        lambda m: f"ncbigene:{m[1]}",
    ),
)

#: English function words dropped from queries (never from the index). Gene symbols
#: that look like words (TH, CAT, MAX) are not in this list.
_STOP = """a about above after again all am an and any are as at be because been before being
    between both but by can could did do does doing down during each few for from further
    had has have having he her here hers herself him himself his how i if in into is it its
    itself just me more most my myself no nor not of off on once only or other our ours
    ourselves out over own same she should so some such than that the their theirs them
    themselves then there these they this those through to too under until up very was we
    were what when where which while who whom why will with would you your yours yourself
    yourselves also may might must shall s t"""
STOP_WORDS = frozenset(_STOP.split())


def fold(text: str) -> str:
    """Case-folded text without diacritics."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def tokens(text: str) -> list[str]:
    """The tokens of ``text`` in order, compounds (``aarskog-scott``, ``hp:0001250``) whole."""
    return _TOKEN.findall(fold(text))


def parts_of(token: str) -> list[str]:
    """The pieces of a compound token; [] for a simple one."""
    pieces = re.split(r"[-:]", token)
    return pieces if len(pieces) > 1 else []


def find_ids(text: str) -> list[str]:
    """The identifiers named in ``text``, normalised (``HP:0001250`` -> ``hp:0001250``)."""
    found: list[str] = []
    for pattern, norm in _ID_PATTERNS:
        found.extend(norm(m) for m in pattern.finditer(text))
    return list(dict.fromkeys(found))


def record_ids(doc_id: str, metadata: dict[str, Any]) -> list[str]:
    """Normalised identifiers of a record: its native id and those in its metadata."""
    values = [doc_id.split("/", 1)[-1]]
    for key, prefix in (
        ("ncbi_gene", "NCBIGene:"),
        ("hpo", ""),
        ("pmid", "PMID:"),
        ("pmcid", ""),
        ("nct", ""),
    ):
        v = metadata.get(key)
        if v:
            values.append(f"{prefix}{v}" if prefix and not str(v).startswith(prefix) else str(v))
    return list(dict.fromkeys(i for v in values for i in find_ids(v)))


def _index_columns(title: str, text: str, ids: list[str]) -> tuple[str, str, str, str]:
    t_tokens, b_tokens = tokens(title), tokens(text)
    title_col = " ".join(t_tokens + [p for t in t_tokens for p in parts_of(t)])
    parts_col = " ".join(p for t in b_tokens for p in parts_of(t))
    return title_col, " ".join(b_tokens), parts_col, " ".join(ids)


# ----- build ----------------------------------------------------------------------------
def build(db_path: Path) -> dict[str, Any]:
    """Add the FTS5 table to a passage store written by the index build.

    Returns the figures the manifest records (rows, seconds are the caller's)."""
    con = sqlite3.connect(db_path)
    try:
        cols = ", ".join(COLUMNS)
        con.execute(
            f"CREATE VIRTUAL TABLE {TABLE} USING fts5({cols}, content='', "
            f'tokenize="{FTS_TOKENIZER}")'
        )
        cur = con.execute(
            "SELECT p.row, d.doc_id, d.title, p.text, d.metadata FROM passages p "
            "JOIN documents d ON d.doc_id = p.doc_id ORDER BY p.row"
        )
        marks = ",".join("?" * (len(COLUMNS) + 1))
        con.executemany(
            f"INSERT INTO {TABLE}(rowid, {cols}) VALUES ({marks})",
            (
                (row, *_index_columns(title, text, record_ids(doc_id, json.loads(meta))))
                for row, doc_id, title, text, meta in cur.fetchall()
            ),
        )
        con.execute(f"INSERT INTO {TABLE}({TABLE}) VALUES ('optimize')")
        con.commit()
        (rows,) = con.execute("SELECT count(*) FROM passages").fetchone()
    finally:
        con.close()
    return {**params(), "rows": int(rows)}


# ----- queries ---------------------------------------------------------------------------
@dataclass
class LexicalQuery:
    """A parsed query: free terms, quoted phrases and identifiers."""

    text: str
    terms: list[str] = field(default_factory=list)
    phrases: list[list[str]] = field(default_factory=list)
    ids: list[str] = field(default_factory=list)
    #: names of the entities the query mentions (entity-aware expansion), each
    #: matched as a phrase like the query's own words: any may match, none must
    expansions: list[list[str]] = field(default_factory=list)

    @property
    def is_id_lookup(self) -> bool:
        """Only identifiers, nothing else to search for."""
        return bool(self.ids) and not self.phrases and not self.terms

    def match(self) -> str:
        """The FTS5 MATCH expression: any term, phrase or id (ranking does the rest)."""
        alts = [_quote(t) for t in self.terms]
        alts += ["{title body} : " + _quote(" ".join(p)) for p in self.phrases]
        alts += ["{title body parts} : " + _quote(" ".join(p)) for p in self.expansions]
        alts += [f"ids : {_quote(i)}" for i in self.ids]
        return " OR ".join(alts)

    def required(self) -> str | None:
        """What a record must match to be pinned first: every phrase and any id."""
        need = ["{title body} : " + _quote(" ".join(p)) for p in self.phrases]
        if self.ids:
            need.append("(" + " OR ".join(f"ids : {_quote(i)}" for i in self.ids) + ")")
        return " AND ".join(need) or None


def _quote(s: str) -> str:
    return '"' + s.replace('"', '""') + '"'


_PHRASE = re.compile(r'"([^"]+)"|\u201c([^\u201d]+)\u201d')


def parse(query: str, expansions: Sequence[str] = ()) -> LexicalQuery:
    """Split a query into quoted phrases, identifiers and the remaining words;
    ``expansions`` (other names of the entities it mentions) are added as optional
    phrases.

    Raises a clear error for a query with nothing to search for (only stop words or
    punctuation)."""
    q = LexicalQuery(text=query)
    rest = query
    for m in _PHRASE.finditer(query):
        phrase = tokens(m[1] or m[2])
        if phrase:
            q.phrases.append(phrase)
    rest = _PHRASE.sub(" ", rest)
    q.ids = find_ids(rest)
    for pattern, _ in _ID_PATTERNS:
        rest = pattern.sub(" ", rest)
    words: list[str] = []
    for t in tokens(rest):
        if t in STOP_WORDS:
            continue
        words.append(t)
        # a hyphenated query word also finds the text that spells it with a space
        words.extend(p for p in parts_of(t) if p not in STOP_WORDS)
    q.terms = list(dict.fromkeys(words))
    own = {tuple(p) for p in q.phrases} | {(t,) for t in q.terms}
    for name in expansions:
        phrase = tokens(name)
        if phrase and tuple(phrase) not in own and phrase not in q.expansions:
            q.expansions.append(phrase)
    if not (q.terms or q.phrases or q.ids):
        raise BrainweaveError(
            f"the query {query!r} has nothing to search for: only stop words or punctuation",
            "add a content word, a gene symbol, a disease name or an id (HP:0001250, NCT01234567)",
        )
    return q


# ----- search ---------------------------------------------------------------------------
def _filters(sources: Sequence[str] | None, year: int | None) -> tuple[str, list[Any]]:
    where: list[str] = []
    args: list[Any] = []
    if sources:
        where.append(f"d.source IN ({','.join('?' * len(sources))})")
        args.extend(sources)
    if year is not None:
        where.append(YEAR_SQL + " = ?")
        args.append(str(year))
    return "".join(f" AND {w}" for w in where), args


#: a record's year: metadata ``year`` (PubMedQA, PMC abstracts) or the start date's
#: (ClinicalTrials.gov); records with neither never match a year filter
YEAR_SQL = (
    "coalesce(CAST(json_extract(d.metadata, '$.year') AS TEXT), "
    "substr(json_extract(d.metadata, '$.start_date'), 1, 4))"
)


def has_table(db_path: Path) -> bool:
    con = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        row = con.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (TABLE,)
        ).fetchone()
    finally:
        con.close()
    return row is not None


def search(
    db_path: Path,
    queries: Iterable[LexicalQuery],
    k: int,
    *,
    sources: Sequence[str] | None = None,
    year: int | None = None,
) -> list[list[tuple[int, float]]]:
    """(passage row, BM25 score) of the best ``k`` passages for each query.

    The score is FTS5's bm25() negated, so higher is better (it is not bounded and
    not comparable across queries)."""
    where, args = _filters(sources, year)
    weights = ", ".join(str(w) for w in WEIGHTS)
    join = (
        " JOIN passages p ON p.row = f.rowid JOIN documents d ON d.doc_id = p.doc_id"
        if where
        else ""
    )
    sql = (
        f"SELECT f.rowid, -bm25({TABLE}, {weights}) AS s FROM {TABLE} f{join} "
        f"WHERE {TABLE} MATCH ?{where} ORDER BY bm25({TABLE}, {weights}) LIMIT ?"
    )
    con = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        return [
            [(int(r), float(s)) for r, s in con.execute(sql, [q.match(), *args, k])]
            for q in queries
        ]
    finally:
        con.close()


def pinned(
    db_path: Path,
    query: LexicalQuery,
    *,
    sources: Sequence[str] | None = None,
    year: int | None = None,
    limit: int = 1000,
) -> list[int]:
    """Passage rows that contain every quoted phrase and carry one of the ids, best
    first; [] when the query has neither."""
    need = query.required()
    if need is None:
        return []
    where, args = _filters(sources, year)
    weights = ", ".join(str(w) for w in WEIGHTS)
    join = (
        " JOIN passages p ON p.row = f.rowid JOIN documents d ON d.doc_id = p.doc_id"
        if where
        else ""
    )
    sql = (
        f"SELECT f.rowid FROM {TABLE} f{join} WHERE {TABLE} MATCH ?{where} "
        f"ORDER BY bm25({TABLE}, {weights}) LIMIT ?"
    )
    con = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        return [int(r) for (r,) in con.execute(sql, [need, *args, limit])]
    finally:
        con.close()


def filtered_rows(db_path: Path, sources: Sequence[str] | None, year: int | None) -> list[int]:
    """Every passage row of the given sources and year (for filtered dense search)."""
    where, args = _filters(sources, year)
    con = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        cur = con.execute(
            f"SELECT p.row FROM passages p JOIN documents d ON d.doc_id = p.doc_id WHERE 1{where}",
            args,
        )
        return [int(r) for (r,) in cur]
    finally:
        con.close()


# ----- fusion ---------------------------------------------------------------------------
def rrf(rankings: Sequence[Sequence[int]], k: int = 60) -> list[tuple[int, float]]:
    """Reciprocal rank fusion (Cormack, Clarke and Buettcher, SIGIR 2009).

    Each item scores sum(1 / (k + rank)) over the rankings it appears in, rank from
    1; ties keep the order of first appearance (the earlier ranking wins)."""
    scores: dict[int, float] = {}
    for ranking in rankings:
        for rank, item in enumerate(ranking, start=1):
            scores[item] = scores.get(item, 0.0) + 1.0 / (k + rank)
    return sorted(scores.items(), key=lambda kv: -kv[1])
