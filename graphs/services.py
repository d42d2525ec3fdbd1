"""What a process loads, once: :class:`Services`.

One explicit object owns every loaded thing a run needs: the agent registry
(entry points scanned once), the embedders, the retrievers with their opened
indexes and the index files' checksums, the scorers, the agents' chat models
(each with the one lock in front of its llama.cpp context), the run
checkpointers and the compiled controller graph. The CLI, the app, sweep workers
and tests share one (:func:`default_services`, or their own); nothing is cached
in module globals anywhere else.

Each kind of object is made the first time it is asked for and keyed by the
settings that tell two of them apart, so a process that asks with two scorer
models holds two scorers, and one that asks a thousand questions loads each
model once.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from brainweave.io import FileHashes
from brainweave.settings import EmbedderSettings, LLMSettings, Settings

if TYPE_CHECKING:
    from brainweave.agents.llm import LLM
    from brainweave.agents.registry import AgentRegistry
    from brainweave.knowledge import Knowledge
    from brainweave.retrieval.embedder import Embedder
    from brainweave.retrieval.service import Retriever
    from brainweave.retrieval.store import IndexStore
    from brainweave.scoring.contract import Scorer

T = TypeVar("T")


def checkpoints_path(home: Path) -> Path:
    return home / "runs" / "checkpoints.sqlite"


class Services:
    """The process's loaded models, indexes, checkpointers and compiled graph."""

    def __init__(self, *, plugins: bool = True) -> None:
        self.plugins = plugins
        self.hashes = FileHashes()
        self._made: dict[tuple[str, str], Any] = {}
        self._locks: dict[tuple[str, str], threading.Lock] = {}
        self._guard = threading.Lock()

    def _once(self, kind: str, key: str, make: Callable[[], T]) -> T:
        """``make()`` once per (kind, key); callers for other keys never wait for it."""
        slot = (kind, key)
        with self._guard:
            if slot in self._made:
                return self._made[slot]
            lock = self._locks.setdefault(slot, threading.Lock())
        with lock:
            if slot not in self._made:
                value = make()
                with self._guard:
                    self._made[slot] = value
        return self._made[slot]

    # -- agents ------------------------------------------------------------------
    def registry(self) -> AgentRegistry:
        from brainweave.agents.registry import AgentRegistry

        return self._once("registry", "", lambda: AgentRegistry(plugins=self.plugins))

    # -- entities ------------------------------------------------------------------
    def knowledge(self, data_dir: Path | None) -> Knowledge:
        """The knowledge layer of ``data_dir``'s vocabularies (None, or a directory that
        does not exist: the packaged ones only), loaded once: from HOME's on-disk cache
        when its versions match, else assembled and cached there."""
        from brainweave import knowledge

        d = data_dir.resolve() if data_dir is not None and data_dir.is_dir() else None
        return self._once("knowledge", str(d or ""), lambda: knowledge.load(d))

    # -- retrieval -----------------------------------------------------------------
    def embedder(self, settings: EmbedderSettings) -> Embedder:
        from brainweave.retrieval.embedder import load_embedder

        return self._once("embedder", settings.model_dump_json(), lambda: load_embedder(settings))

    def index_store(self, index_dir: Path) -> IndexStore:
        from brainweave.retrieval.store import IndexStore

        return self._once("index_store", str(index_dir), lambda: IndexStore(index_dir, self.hashes))

    def retriever(self, settings: Settings) -> Retriever:
        """Search over the indexes of ``settings``, each index opened once."""
        from brainweave.retrieval.service import Retriever

        key = f"{settings.index_dir}|{settings.index}|{settings.embedder}|{settings.search}"
        return self._once(
            "retriever",
            key,
            lambda: Retriever(
                settings,
                embedder=self.embedder(settings.embedder),
                store=self.index_store(settings.index_dir),
                knowledge=self.knowledge(settings.resolved_data_dir)
                if settings.search.expand
                else None,
            ),
        )

    # -- models --------------------------------------------------------------------
    def scorer(self, settings: Settings) -> Scorer:
        from brainweave.scoring.backends import make_scorer, scorer_key

        return self._once("scorer", scorer_key(settings), lambda: make_scorer(settings))

    def chat_model(self, settings: LLMSettings) -> Any:
        """The agents' LangChain chat model; a llama.cpp one holds its context and the
        lock that queues every call to it, whichever run makes the call."""
        from brainweave.agents.llm import make_chat_model

        key = settings.model_dump_json(exclude={"timeout_s", "retries"})
        return self._once("chat_model", key, lambda: make_chat_model(settings))

    def llm(self, settings: LLMSettings) -> LLM:
        """A new time-limited, validating wrapper for one run over the shared chat model."""
        from brainweave.agents.llm import LLM

        return LLM.from_settings(settings, model=self.chat_model(settings))

    # -- runs ----------------------------------------------------------------------
    def checkpointer(self, home: Path) -> Any:
        """LangGraph's SQLite checkpointer of ``home``'s runs (one connection, shared)."""
        from brainweave.graphs.graph import sqlite_checkpointer

        path = checkpoints_path(home)
        return self._once("checkpointer", str(path), lambda: sqlite_checkpointer(path))

    def graph(self, home: Path) -> Any:
        """The controller graph, compiled once, checkpointing into ``home``."""
        from brainweave.graphs.graph import build_graph

        return self._once(
            "graph", str(home), lambda: build_graph(checkpointer=self.checkpointer(home))
        )

    def close(self) -> None:
        """Close the checkpointers' connections (a process that ends need not)."""
        with self._guard:
            for (kind, _), value in self._made.items():
                if kind == "checkpointer":
                    value.conn.close()
            self._made = {
                k: v for k, v in self._made.items() if k[0] not in ("checkpointer", "graph")
            }


_DEFAULT: Services | None = None
_DEFAULT_LOCK = threading.Lock()


def default_services() -> Services:
    """The process's one :class:`Services`, made on first use."""
    global _DEFAULT
    with _DEFAULT_LOCK:
        if _DEFAULT is None:
            _DEFAULT = Services()
        return _DEFAULT
