"""Creating, saving and loading the FAISS index of one domain.

Small domains get an exact inner-product index (``IndexFlatIP``); above
``exact_max`` passages an HNSW graph (``IndexHNSWFlat``, inner product) keeps
search latency flat as the corpus grows. benchmarks/retrieval.py measures both
and the recall@10 of HNSW against exact search.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from brainweave.errors import ConfigError
from brainweave.settings import IndexSettings


def faiss() -> Any:
    try:
        import faiss as _faiss
    except ImportError as err:  # pragma: no cover - a core dependency
        raise ConfigError("faiss is not installed", "pip install faiss-cpu") from err
    return _faiss


def choose_index_type(count: int, exact_max: int) -> str:
    return "flat-ip" if count <= exact_max else "hnsw-ip"


def build_index(vectors: np.ndarray, index_type: str, params: IndexSettings) -> Any:
    """An index of ``vectors``; HNSW takes its graph parameters from ``params``."""
    f = faiss()
    dim = vectors.shape[1]
    if index_type == "flat-ip":
        index = f.IndexFlatIP(dim)
    elif index_type == "hnsw-ip":
        index = f.IndexHNSWFlat(dim, params.hnsw_m, f.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = params.hnsw_ef_construction
        index.hnsw.efSearch = params.hnsw_ef_search
    else:
        raise ConfigError(f"unknown index type {index_type!r}", "use 'flat-ip' or 'hnsw-ip'")
    if len(vectors):
        index.add(np.ascontiguousarray(vectors, dtype=np.float32))
    return index


def write_index(index: Any, path: Path) -> None:
    faiss().write_index(index, str(path))


def read_index(path: Path, *, ef_search: int | None = None) -> Any:
    index = faiss().read_index(str(path))
    if ef_search is not None and hasattr(index, "hnsw"):
        index.hnsw.efSearch = ef_search
    return index
