"""Build and search the domain indexes from settings: what the CLI, the agents and
the app call."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable
from pathlib import Path

import numpy as np

from brainweave.corpora import Source, all_sources, domains
from brainweave.errors import BrainweaveError, ConfigError, IndexMissingError
from brainweave.retrieval.documents import Hit
from brainweave.retrieval.embedder import Embedder, load_embedder
from brainweave.retrieval.store import BuildResult, DomainIndex, IndexStore
from brainweave.settings import Settings

log = logging.getLogger(__name__)


def known_domains(settings: Settings) -> list[str]:
    return domains(all_sources(settings.user_sources_file))


def check_domain(settings: Settings, domain: str) -> None:
    names = known_domains(settings)
    if domain not in names:
        raise ConfigError(f"unknown domain {domain!r}", f"known domains: {', '.join(names)}")


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
    """Searches the domain indexes. Loads the embedder and each index once."""

    def __init__(
        self,
        settings: Settings,
        *,
        embedder: Embedder | None = None,
        store: IndexStore | None = None,
    ) -> None:
        self.settings = settings
        self.store = store or IndexStore(settings.index_dir, data_dir=settings.resolved_data_dir)
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

    def search(self, domain: str, query: str, k: int = 5) -> list[Hit]:
        return self.search_many(domain, [query], k)[0]

    def search_many(self, domain: str, queries: list[str], k: int = 5) -> list[list[Hit]]:
        if k < 1:
            raise ConfigError(f"k must be at least 1, got {k}")
        for q in queries:
            if not q or not q.strip():
                raise BrainweaveError("the query is empty", "type what you are looking for")
        index = self.index(domain)
        vectors: np.ndarray = self.embedder.embed([q.strip() for q in queries])
        return index.search_vectors(vectors, k)
