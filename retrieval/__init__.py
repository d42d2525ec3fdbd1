"""The retrieval layer: corpus documents, ingest, chunking, embedding, FAISS indexes.

Entry points: :class:`Retriever` (search the domain indexes) and
:func:`build_indexes` (build or reuse them). Heavy libraries (torch, faiss,
sentence-transformers) load on first use.
"""

from brainweave.retrieval.documents import Document, Hit, Passage
from brainweave.retrieval.service import Retriever, build_indexes

__all__ = ["Document", "Hit", "Passage", "Retriever", "build_indexes"]
