"""Build and search the domain indexes from settings: what the CLI, the agents and
the app call."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from brainweave.corpora import Source, all_sources, domains
from brainweave.errors import BrainweaveError, ConfigError, IndexMissingError
from brainweave.retrieval import expansion, lexical
from brainweave.retrieval.documents import Hit
from brainweave.retrieval.embedder import Embedder, load_embedder
from brainweave.retrieval.store import BuildResult, DomainIndex, IndexStore
from brainweave.settings import Settings

if TYPE_CHECKING:
    from brainweave.knowledge import Knowledge

log = logging.getLogger(__name__)


def known_domains(settings: Settings) -> list[str]:
    return domains(all_sources(settings.user_sources_file))


def check_domain(settings: Settings, domain: str) -> None:
    names = known_domains(settings)
    if domain not in names:
        raise ConfigError(f"unknown domain {domain!r}", f"known domains: {', '.join(names)}")


def check_sources(settings: Settings, domain: str, names: Iterable[str]) -> None:
    """A clear error for a source filter that names no source of the domain."""
    known = [s.name for s in all_sources(settings.user_sources_file) if s.domain == domain]
    bad = [n for n in names if n not in known]
    if bad:
        raise ConfigError(
            f"no source {', '.join(map(repr, bad))} in domain {domain!r}",
            f"sources of {domain}: {', '.join(known)}",
        )


def build_indexes(
    settings: Settings,
    domains_: Iterable[str] | None = None,
    *,
    skip_bad: bool = False,
    force: bool = False,
    progress: bool = False,
    embedder: Embedder | None = None,
) -> list[BuildResult]:
    """Build (or reuse) the index of each domain; every domain by default."""
    sources: list[Source] = all_sources(settings.user_sources_file)
    wanted = list(domains_ or [])
    for d in wanted:
        check_domain(settings, d)
    targets = wanted or sorted({s.domain for s in sources}, key=known_domains(settings).index)
    data_dir = settings.resolved_data_dir
    needs_data_dir = any(
        s.domain in targets and not Path(s.file).expanduser().is_absolute() for s in sources
    )
    if needs_data_dir and not data_dir.is_dir():
        raise ConfigError(
            f"data directory {data_dir} does not exist",
            "pass --data DIR (for example ../shared/data) or set BRAINWEAVE_DATA_DIR",
        )
    embedder = embedder or load_embedder(settings.embedder)
    store = IndexStore(settings.index_dir, data_dir=data_dir)
    return [
        store.build(
            d,
            sources,
            data_dir,
            embedder,
            settings.index,
            skip_bad=skip_bad,
            force=force,
            progress=progress,
        )
        for d in targets
    ]


def no_usable_index(store: IndexStore, agents: dict[str, str]) -> IndexMissingError | None:
    """The error for agents (name -> domain) none of whose indexes is usable, or None
    when one is (``ask`` and the sweep's checks before any run both use this)."""
    from brainweave.retrieval.store import build_command

    if not agents or any(store.status(d).state == "ok" for d in agents.values()):
        return None
    cmds = "; ".join(f"`{build_command(d)}`" for d in dict.fromkeys(agents.values()))
    return IndexMissingError(
        f"no index is usable for the agents {', '.join(agents)} in {store.root}",
        f"build them: {cmds}",
    )


class Retriever:
    """Searches the domain indexes. Loads the embedder and each index once.

    ``knowledge`` (the knowledge layer) is what entity-aware expansion reads the
    entities' other names from; without it ``search.expand`` is an error."""

    def __init__(
        self,
        settings: Settings,
        *,
        embedder: Embedder | None = None,
        store: IndexStore | None = None,
        knowledge: Knowledge | None = None,
    ) -> None:
        self.settings = settings
        self.store = store or IndexStore(settings.index_dir, data_dir=settings.resolved_data_dir)
        self.knowledge = knowledge
        self._embedder = embedder
        self._indexes: dict[str, DomainIndex] = {}
        self._lock = threading.Lock()

    @property
    def embedder(self) -> Embedder:
        if self._embedder is None:
            self._embedder = load_embedder(self.settings.embedder)
        return self._embedder

    def index(self, domain: str) -> DomainIndex:
        with self._lock:
            held = self._indexes.get(domain)
            if held is not None and held.build_id != self.store.current_id(domain):
                # rebuilt since it was opened: a build two swaps old is deleted
                del self._indexes[domain]
            if domain not in self._indexes:
                check_domain(self.settings, domain)
                idx = self.store.open(domain, ef_search=self.settings.index.hnsw_ef_search)
                idx.check_embedder(self.embedder)
                self._indexes[domain] = idx
            return self._indexes[domain]

    def search(self, domain: str, query: str, k: int = 5, **how: Any) -> list[Hit]:
        return self.search_many(domain, [query], k, **how)[0]

    def search_many(
        self,
        domain: str,
        queries: list[str],
        k: int = 5,
        *,
        mode: Mode | None = None,
        sources: Sequence[str] | None = None,
        year: int | None = None,
        expand: bool | None = None,
    ) -> list[list[Hit]]:
        """The best ``k`` passages of the domain for each query.

        ``mode`` (default ``search.mode``): ``dense``, ``bm25`` or ``hybrid``. What
        ``Hit.score`` means depends on it: dense, the cosine similarity of query and
        passage (-1..1); bm25, FTS5's BM25 score negated (higher is better, unbounded);
        hybrid, the reciprocal-rank-fusion score sum(1 / (rrf_k + rank)) over the two
        rankings (at most 2 / (rrf_k + 1)). ``sources`` and ``year`` keep only passages
        of those sources / of records with that year, exactly (before ranking). A
        passage that contains every quoted phrase of the query or carries an id it
        names (NCT number, HP id, PMID, PMC id, NCBI Gene id) comes first; a query
        that is only ids none of which the domain holds is an error.

        ``expand`` (default ``search.expand``): add the other names of the entities
        each query mentions (a gene's symbol and full name, an HPO term's or a
        region's synonyms) to its BM25 query, and with ``search.expand_dense`` embed
        the query with them as a second dense query, fused by reciprocal rank."""
        if k < 1:
            raise ConfigError(f"k must be at least 1, got {k}")
        for q in queries:
            if not q or not q.strip():
                raise BrainweaveError("the query is empty", "type what you are looking for")
        mode = mode or self.settings.search.mode
        if mode not in MODES:
            raise ConfigError(f"unknown search mode {mode!r}", f"choose one of: {', '.join(MODES)}")
        names = self._expansions(queries, self.settings.search.expand if expand is None else expand)
        parsed = [lexical.parse(q, n) for q, n in zip(queries, names, strict=True)]
        index = self.index(domain)
        db = _db(index)
        needs_lexical = mode != "dense" or any(p.ids or p.phrases for p in parsed)
        if needs_lexical:
            _check_lexical(index)
        depth = k if mode != "hybrid" else max(k, self.settings.search.candidates)
        dense: list[list[tuple[int, float]]] = []
        if mode != "bm25":
            texts = [q.strip() for q in queries]
            if self.settings.search.expand_dense and any(names):
                depth = max(k, self.settings.search.candidates)  # fused below
                texts += [expansion.expanded_text(q, n) for q, n in zip(texts, names, strict=True)]
            dense = self._dense(index, texts, depth, sources, year)
            if len(dense) > len(queries):
                dense = [
                    _fuse_dense(a, b, n, self.settings.search.rrf_k)
                    for a, b, n in zip(dense, dense[len(queries) :], names, strict=False)
                ]
        bm25: list[list[tuple[int, float]]] = []
        if mode != "dense":
            bm25 = lexical.search(db, parsed, depth, sources=sources, year=year)
        out = []
        for i, lq in enumerate(parsed):
            first = lexical.pinned(db, lq, sources=sources, year=year) if needs_lexical else []
            if lq.is_id_lookup and not first:
                raise BrainweaveError(
                    f"no record of the {domain} index has the id "
                    f"{', '.join(x.upper() for x in lq.ids)}"
                    + (" (with the filters given)" if sources or year is not None else ""),
                    "check the id, or search the domain that holds it "
                    "(genes and HP terms: genetics; PMIDs: neuroimaging or clinical; "
                    "NCT numbers: clinical)",
                )
            if mode == "dense":
                ranked = dense[i]
            elif mode == "bm25":
                ranked = bm25[i]
            else:
                ranked = lexical.rrf(
                    [[r for r, _ in dense[i]], [r for r, _ in bm25[i]]],
                    k=self.settings.search.rrf_k,
                )
            out.append(_assemble(index, ranked, first, k))
        return out

    def _expansions(self, queries: list[str], expand: bool) -> list[list[str]]:
        """Each query's entity names to add ([] each when expansion is off)."""
        if not expand:
            return [[] for _ in queries]
        if self.knowledge is None:
            raise ConfigError(
                "entity expansion is on but this retriever was made without the knowledge layer",
                "make it with Retriever(settings, knowledge=...) (Services.retriever "
                "does), or set search.expand = false",
            )
        return [expansion.entity_names(self.knowledge, q) for q in queries]

    def _dense(
        self,
        index: DomainIndex,
        queries: list[str],
        k: int,
        sources: Sequence[str] | None,
        year: int | None,
    ) -> list[list[tuple[int, float]]]:
        """(row, cosine) of the nearest passages; with filters, among those rows only
        (a FAISS IDSelector, so the filter is exact, not a post-filter)."""
        vectors = np.ascontiguousarray(self.embedder.embed(queries), dtype=np.float32)
        params: Any = None
        n = index.count
        if sources or year is not None:
            import faiss as _faiss

            faiss: Any = _faiss  # the SWIG search-parameter classes are not in its stubs

            rows = lexical.filtered_rows(_db(index), sources, year)
            if not rows:
                return [[] for _ in queries]
            selector = faiss.IDSelectorBatch(np.asarray(rows, dtype=np.int64))
            if hasattr(index.index, "hnsw"):
                params = faiss.SearchParametersHNSW(
                    sel=selector, efSearch=self.settings.index.hnsw_ef_search
                )
            else:
                params = faiss.SearchParameters(sel=selector)
            n = len(rows)
        k = min(k, n)
        if params is None:
            scores, found = index.index.search(vectors, k)
        else:
            scores, found = index.index.search(vectors, k, params=params)
        return [
            [(int(r), float(s)) for s, r in zip(qs, qr, strict=True) if r >= 0]
            for qs, qr in zip(scores, found, strict=True)
        ]


def _fuse_dense(
    plain: list[tuple[int, float]],
    expanded: list[tuple[int, float]],
    names: list[str],
    rrf_k: int,
) -> list[tuple[int, float]]:
    """The query's dense ranking fused with its expanded one's by reciprocal rank
    (the plain ranking alone when nothing was added)."""
    if not names:
        return plain
    return lexical.rrf([[r for r, _ in plain], [r for r, _ in expanded]], k=rrf_k)


def _check_lexical(index: DomainIndex) -> None:
    """A clear error when the index predates BM25 or holds an older version of it."""
    from brainweave.retrieval.store import build_command

    built = index.manifest.get("lexical") or {}
    if built.get("version") != lexical.LEXICAL_VERSION or not lexical.has_table(_db(index)):
        raise IndexMissingError(
            f"the {index.domain} index has no BM25 index of the current version "
            f"(built with {built.get('version', 'none')}, this brainweave uses "
            f"{lexical.LEXICAL_VERSION})",
            f"rebuild it with `{build_command(index.domain)}`, or search with --mode dense",
        )


def _db(index: DomainIndex) -> Path:
    return index._db_path  # the passage store, which also holds the FTS5 table


def _assemble(
    index: DomainIndex, ranked: list[tuple[int, float]], first: list[int], k: int
) -> list[Hit]:
    """The top ``k`` hits: pinned rows (phrase or id matches) first, then the ranking.

    A pinned row's score is raised to the best score of the list, so that sorting by
    score (as the agents do when merging queries) keeps it first."""
    scores = dict(ranked)
    top = list(dict.fromkeys([*first, *(r for r, _ in ranked)]))[:k]
    best = max(scores.values(), default=1.0)
    for r in first:
        scores[r] = max(scores.get(r, best), best)
    records = index._rows(top)
    return [Hit(score=scores[r], **records[r]) for r in top]


Mode = Literal["dense", "bm25", "hybrid"]
MODES: tuple[str, ...] = ("dense", "bm25", "hybrid")
