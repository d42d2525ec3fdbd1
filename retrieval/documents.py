"""The domain objects of the retrieval layer."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class Document(BaseModel):
    """One source record (a gene, a phenotype term, a study, a trial, a Q&A pair)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(description="stable id: '<source>/<native id>'")
    domain: str
    title: str
    text: str
    source: str = Field(description="name of the corpus source (corpora manifest)")
    url: str | None = None
    license: str
    metadata: dict[str, Any] = Field(
        default_factory=dict,
        description="native identifiers (ncbi_gene, hpo, pmid, pmcid, doi, nct) and extras",
    )


class Passage(BaseModel):
    """A chunk of a document: the unit that is embedded and retrieved."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(description="'<document id>#<chunk number>'")
    doc_id: str
    domain: str
    source: str
    title: str
    text: str
    chunk: int
    url: str | None = None


class Hit(BaseModel):
    """A search result: a passage, where it comes from, and its similarity."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    passage_id: str
    doc_id: str
    domain: str
    source: str
    title: str
    text: str
    url: str | None
    license: str
    score: float = Field(
        description="by search mode: dense, cosine similarity of query and passage; bm25, "
        "BM25 score (higher is better); hybrid, reciprocal-rank-fusion score (see "
        "Retriever.search_many)"
    )
    metadata: dict[str, Any] = Field(default_factory=dict)
