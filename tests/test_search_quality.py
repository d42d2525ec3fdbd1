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
Real = tuple[Settings, SentenceTransformerEmbedder]


@pytest.fixture(scope="module")
def real(tmp_path_factory: pytest.TempPathFactory) -> Real:
    from tests.conftest import DATA_DIR

    home = tmp_path_factory.mktemp("real-home")
    settings = load_settings(home=home, data_dir=DATA_DIR)
    embedder = load_embedder(settings.embedder)
    assert isinstance(embedder, SentenceTransformerEmbedder)
    return settings, embedder


@pytest.fixture(scope="module")
def gene_sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data directory whose RefSeq file holds 3,000 real gene summaries: the first
    2,996 of the file, APOE (line 7,749), and the other genes whose summaries name
    apolipoprotein E (LRP8, SELENOP, ZIC1; LRP10 is among the first lines) as
    distractors. Embedding all 15,150 genes takes longer than a test should."""
    from tests.conftest import DATA_DIR

    root = tmp_path_factory.mktemp("gene-sample")
    src = SOURCES["refseq_gene_summaries"]
    lines = src.path(DATA_DIR).read_text(encoding="utf-8").splitlines(keepends=True)
    keep = lines[:2996] + [lines[i - 1] for i in (3935, 7749, 10492, 12936)]
    target = src.path(root)
    target.parent.mkdir(parents=True)
    target.write_text("".join(keep), encoding="utf-8")
    return root


def topic_sample(root: Path, name: str, first: int, topic: str) -> Path:
    """A data directory whose ``name`` file holds its first ``first`` real records plus
    every later record that names ``topic`` (as a target or a same-topic distractor):
    the search must still pick the right records out of the topic's own. Embedding the
    whole corpus took 6-17 minutes of the test run on two shared cores."""
    from tests.conftest import DATA_DIR

    src = SOURCES[name]
    lines = src.path(DATA_DIR).read_text(encoding="utf-8").splitlines(keepends=True)
    keep = lines[:first] + [line for line in lines[first:] if topic in line.lower()]
    target = src.path(root)
    target.parent.mkdir(parents=True)
    target.write_text("".join(keep), encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def trial_sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The first 400 trials and every other Parkinson's trial (136 name it in all,
    26 deep brain stimulation)."""
    root = tmp_path_factory.mktemp("trial-sample")
    return topic_sample(root, "ctgov_neuro_trials", 400, "parkinson")


@pytest.fixture(scope="module")
def abstract_sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The first 400 abstracts and every other one that names Alzheimer's disease."""
    root = tmp_path_factory.mktemp("abstract-sample")
    return topic_sample(root, "pmc_oa_neuroimaging_abstracts", 400, "alzheimer")


def build(real: Real, domain: str, names: list[str], data: Path | None = None) -> Retriever:
    settings, embedder = real
    IndexStore(settings.index_dir).build(
        domain,
        [SOURCES[n] for n in names],
        data or settings.resolved_data_dir,
        embedder,
        settings.index,
    )
    return Retriever(settings, embedder=embedder)


def test_apoe_question_finds_the_apoe_gene(real: Real, gene_sample: Path) -> None:
    retriever = build(real, "genetics", ["refseq_gene_summaries"], gene_sample)
    hits = retriever.search("genetics", "apolipoprotein E and Alzheimer's disease", k=5)
    assert hits[0].doc_id == "refseq_gene_summaries/NCBIGene:348"
    assert hits[0].title == "APOE (apolipoprotein E)"
    assert hits[0].url == "https://www.ncbi.nlm.nih.gov/gene/348"
    assert hits[0].score > 0.5


def test_passages_fit_the_embedders_window(real: Real, gene_sample: Path) -> None:
    settings, embedder = real
    build(real, "genetics", ["refseq_gene_summaries"], gene_sample)  # reused
    db = next((settings.index_dir / "genetics" / "builds").iterdir()) / "passages.sqlite"
    con = sqlite3.connect(db)
    rows = con.execute(
        "SELECT d.title, p.text FROM passages p JOIN documents d USING (doc_id)"
    ).fetchall()
    con.close()
    lengths = [len(o) for o in embedder.token_offsets([embedding_text(t, x) for t, x in rows])]
    assert max(lengths) <= embedder.window  # nothing is cut off by the model
    assert len(rows) > 3000  # long summaries became several passages


def test_clinical_trials_about_deep_brain_stimulation(real: Real, trial_sample: Path) -> None:
    retriever = build(real, "clinical", ["ctgov_neuro_trials"], trial_sample)
    hits = retriever.search("clinical", "deep brain stimulation for Parkinson's disease", k=5)
    assert all(h.doc_id.startswith("ctgov_neuro_trials/NCT") for h in hits)
    top = (hits[0].title + " " + hits[0].text).lower()
    assert "deep brain stimulation" in top or "dbs" in top
    assert "parkinson" in top


def test_neuroimaging_abstracts_about_the_hippocampus(real: Real, abstract_sample: Path) -> None:
    retriever = build(real, "neuroimaging", ["pmc_oa_neuroimaging_abstracts"], abstract_sample)
    hits = retriever.search("neuroimaging", "hippocampal volume loss in Alzheimer's disease", k=5)
    texts = [(h.title + " " + h.text).lower() for h in hits]
    assert "hippocamp" in texts[0]
    assert sum("alzheimer" in t for t in texts) >= 3
    assert all(h.url and h.url.startswith("https://") for h in hits)


def test_a_retriever_loads_each_index_once_and_checks_the_weights(
    real: Real, trial_sample: Path
) -> None:
    _, embedder = real
    retriever = build(real, "clinical", ["ctgov_neuro_trials"], trial_sample)  # reused
    first = retriever.index("clinical")
    retriever.search("clinical", "stroke")
    assert retriever.index("clinical") is first
    first.check_embedder(embedder)  # fingerprint of the real weights matches the manifest
