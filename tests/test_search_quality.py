"""Search quality on the real corpora with the real packaged embedder (slow)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from brainweave.corpora import builtin_sources
from brainweave.retrieval import Retriever
from brainweave.retrieval.chunking import embedding_text
from brainweave.retrieval.embedder import SentenceTransformerEmbedder, load_embedder
from brainweave.retrieval.store import IndexStore
from brainweave.settings import Settings, load_settings

pytestmark = pytest.mark.slow

SOURCES = {s.name: s for s in builtin_sources()}


@pytest.fixture(scope="module")
def real(tmp_path_factory: pytest.TempPathFactory) -> tuple[Settings, SentenceTransformerEmbedder]:
    from tests.conftest import DATA_DIR

    home = tmp_path_factory.mktemp("real-home")
    settings = load_settings(home=home, data_dir=DATA_DIR)
    embedder = load_embedder(settings.embedder)
    assert isinstance(embedder, SentenceTransformerEmbedder)
    return settings, embedder


def build(
    real: tuple[Settings, SentenceTransformerEmbedder],
    domain: str,
    names: list[str],
    max_docs: int | None = None,
) -> Retriever:
    settings, embedder = real
    index_settings = settings.index.model_copy(update={"max_docs_per_source": max_docs})
    IndexStore(settings.index_dir).build(
        domain, [SOURCES[n] for n in names], settings.resolved_data_dir, embedder, index_settings
    )
    return Retriever(settings, embedder=embedder)


def test_apoe_question_finds_the_apoe_gene(
    real: tuple[Settings, SentenceTransformerEmbedder],
) -> None:
    # the first 8,000 RefSeq summaries hold APOE (line 7,749) among 7,999 other genes
    retriever = build(real, "genetics", ["refseq_gene_summaries"], max_docs=8000)
    hits = retriever.search("genetics", "apolipoprotein E and Alzheimer's disease", k=5)
    assert hits[0].doc_id == "refseq_gene_summaries/NCBIGene:348"
    assert hits[0].title == "APOE (apolipoprotein E)"
    assert hits[0].url == "https://www.ncbi.nlm.nih.gov/gene/348"
    assert hits[0].score > 0.5


def test_passages_fit_the_embedders_window(
    real: tuple[Settings, SentenceTransformerEmbedder],
) -> None:
    settings, embedder = real
    build(real, "genetics", ["refseq_gene_summaries"], max_docs=8000)
    db = next((settings.index_dir / "genetics" / "builds").iterdir()) / "passages.sqlite"
    con = sqlite3.connect(db)
    rows = con.execute(
        "SELECT d.title, p.text FROM passages p JOIN documents d USING (doc_id)"
    ).fetchall()
    con.close()
    lengths = [len(o) for o in embedder.token_offsets([embedding_text(t, x) for t, x in rows])]
    assert max(lengths) <= embedder.window  # nothing is cut off by the model
    assert len(rows) > 8000  # long summaries became several passages


def test_clinical_trials_about_deep_brain_stimulation(
    real: tuple[Settings, SentenceTransformerEmbedder],
) -> None:
    retriever = build(real, "clinical", ["ctgov_neuro_trials"])
    hits = retriever.search("clinical", "deep brain stimulation for Parkinson's disease", k=5)
    assert all(h.doc_id.startswith("ctgov_neuro_trials/NCT") for h in hits)
    top = hits[0].title + " " + hits[0].text
    assert "deep brain stimulation" in top.lower() or "dbs" in top.lower()
    assert "parkinson" in top.lower()


def test_neuroimaging_abstracts_about_the_hippocampus(
    real: tuple[Settings, SentenceTransformerEmbedder],
) -> None:
    retriever = build(real, "neuroimaging", ["pmc_oa_neuroimaging_abstracts"])
    hits = retriever.search("neuroimaging", "hippocampal volume loss in Alzheimer's disease", k=5)
    texts = [(h.title + " " + h.text).lower() for h in hits]
    assert "hippocamp" in texts[0]
    assert sum("alzheimer" in t for t in texts) >= 3
    assert all(h.url and h.url.startswith("https://") for h in hits)


def test_search_by_path_rebuilds_nothing_and_loads_once(
    real: tuple[Settings, SentenceTransformerEmbedder],
    tmp_path: Path,
) -> None:
    settings, embedder = real
    retriever = build(real, "clinical", ["ctgov_neuro_trials"])
    first = retriever.index("clinical")
    retriever.search("clinical", "stroke")
    assert retriever.index("clinical") is first
    first.check_embedder(embedder)  # fingerprint of the real weights matches
