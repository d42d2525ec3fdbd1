"""The index round trip: build, reuse, rebuild on change, corruption, interruption."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from brainweave.corpora import builtin_sources
from brainweave.errors import ConfigError, IndexCorruptError, IndexMissingError
from brainweave.retrieval import Retriever, build_indexes
from brainweave.retrieval.embedder import HashEmbedder
from brainweave.retrieval.store import IndexStore
from brainweave.settings import Settings, load_settings


def _genetics_settings(base: Settings, **index: object) -> Settings:
    return load_settings(
        profile="fast",
        home=base.home,
        data_dir=base.data_dir,
        index={"max_docs_per_source": base.index.max_docs_per_source, **index},
    )


def test_build_then_reuse_then_search(fast_settings: Settings) -> None:
    [first] = build_indexes(fast_settings, ["genetics"])
    assert first.action == "built"
    m = first.manifest
    assert m["documents"] == 450 and m["count"] >= 450
    assert m["index_type"] == "flat-ip" and m["dimension"] == 384
    assert set(m["passages_per_source"]) == {
        "refseq_gene_summaries",
        "hpo_terms",
        "medquad_genetics_home_reference",
    }
    assert m["embedder"]["name"] == "hash-384" and len(m["embedder"]["sha256"]) == 64
    assert {s["sha256"] for s in m["sources"]} <= {s.sha256 for s in builtin_sources()}

    [again] = build_indexes(fast_settings, ["genetics"])
    assert again.action == "reused"
    assert again.manifest["build_id"] == m["build_id"]

    hits = Retriever(fast_settings).search("genetics", "Multicystic kidney dysplasia", k=3)
    assert hits[0].doc_id == "hpo_terms/HP:0000003"
    assert hits[0].url == "https://hpo.jax.org/browse/term/HP:0000003"
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)


def test_changed_chunking_rebuilds_and_says_why(fast_settings: Settings) -> None:
    build_indexes(fast_settings, ["genetics"])
    changed = _genetics_settings(fast_settings, chunk_tokens=64)
    [r] = build_indexes(changed, ["genetics"])
    assert r.action == "rebuilt"
    assert "chunking" in r.reason


def test_changed_corpus_file_rebuilds(fast_settings: Settings, tmp_path: Path) -> None:
    data = tmp_path / "data"
    src = fast_settings.resolved_data_dir / "corpora" / "genetics"
    (data / "corpora" / "genetics").mkdir(parents=True)
    for f in src.iterdir():
        shutil.copy(f, data / "corpora" / "genetics" / f.name)
    settings = load_settings(
        profile="fast", home=fast_settings.home, data_dir=data, index={"max_docs_per_source": 50}
    )
    assert build_indexes(settings, ["genetics"])[0].action == "built"
    hpo = data / "corpora" / "genetics" / "hpo_terms.jsonl"
    lines = hpo.read_text().splitlines(keepends=True)
    hpo.write_text("".join([lines[1], lines[0], *lines[2:]]))  # same records, new order
    [r] = build_indexes(settings, ["genetics"])
    assert r.action == "rebuilt"
    assert r.reason == "changed: source hpo_terms changed"


def test_corrupted_index_is_reported_and_rebuilt(fast_settings: Settings) -> None:
    [r] = build_indexes(fast_settings, ["clinical"])
    build_dir = fast_settings.index_dir / "clinical" / "builds" / r.manifest["build_id"]
    index_file = build_dir / "index.faiss"
    raw = bytearray(index_file.read_bytes())
    raw[-100] ^= 0xFF
    index_file.write_bytes(bytes(raw))

    with pytest.raises(IndexCorruptError) as err:
        Retriever(fast_settings).search("clinical", "stroke rehabilitation")
    assert "corrupt" in str(err.value)
    assert "brainweave index build --domain clinical" in str(err.value)

    [again] = build_indexes(fast_settings, ["clinical"])
    assert again.action == "rebuilt" and "corrupt" in again.reason
    assert Retriever(fast_settings).search("clinical", "stroke rehabilitation")


def test_a_reader_of_the_previous_build_survives_a_rebuild(fast_settings: Settings) -> None:
    build_indexes(fast_settings, ["genetics"])
    opened = IndexStore(fast_settings.index_dir).open("genetics")
    reader = Retriever(fast_settings)
    before = reader.search("genetics", "kidney", k=3)
    build_indexes(_genetics_settings(fast_settings, chunk_overlap=0), ["genetics"])
    # an index opened before the swap still reads its own build's passages
    query = reader.embedder.embed(["kidney"])
    assert opened.search_vectors(query, 3)[0] == before
    build_indexes(fast_settings, ["genetics"], force=True)
    builds = fast_settings.index_dir / "genetics" / "builds"
    assert len(list(builds.iterdir())) == 2  # the live build and the one before it
    # a Retriever kept open across two rebuilds (its first build now deleted) follows
    # CURRENT instead of failing with "unable to open database file"
    assert reader.search("genetics", "kidney", k=3) == Retriever(fast_settings).search(
        "genetics", "kidney", k=3
    )


def test_half_written_manifest_is_corrupt(fast_settings: Settings) -> None:
    [r] = build_indexes(fast_settings, ["clinical"])
    manifest = (
        fast_settings.index_dir / "clinical" / "builds" / r.manifest["build_id"] / "manifest.json"
    )
    manifest.write_text(manifest.read_text()[:200])
    status = IndexStore(fast_settings.index_dir).status("clinical")
    assert status.state == "corrupt" and "manifest.json is not valid JSON" in status.detail


def test_missing_index_names_the_command_that_builds_it(fast_settings: Settings) -> None:
    with pytest.raises(IndexMissingError) as err:
        Retriever(fast_settings).search("neuroimaging", "hippocampus")
    assert "brainweave index build --domain neuroimaging" in str(err.value)


class _Interrupted(HashEmbedder):
    """Fails half-way through embedding, as Ctrl-C would."""

    def embed(self, texts: list[str], *, progress: bool = False) -> np.ndarray:
        raise KeyboardInterrupt


def test_interrupted_build_leaves_the_live_index_alone(fast_settings: Settings) -> None:
    [r] = build_indexes(fast_settings, ["genetics"])
    with pytest.raises(KeyboardInterrupt):
        build_indexes(fast_settings, ["genetics"], force=True, embedder=_Interrupted())
    store = IndexStore(fast_settings.index_dir)
    assert store.status("genetics").manifest["build_id"] == r.manifest["build_id"]
    builds = list((fast_settings.index_dir / "genetics" / "builds").iterdir())
    assert [b.name for b in builds] == [r.manifest["build_id"]]
    assert Retriever(fast_settings).search("genetics", "kidney")


def test_interrupted_first_build_leaves_no_index(fast_settings: Settings) -> None:
    with pytest.raises(KeyboardInterrupt):
        build_indexes(fast_settings, ["genetics"], embedder=_Interrupted())
    assert IndexStore(fast_settings.index_dir).status("genetics").state == "missing"


def test_large_domain_gets_hnsw_with_high_recall(fast_settings: Settings) -> None:
    settings = _genetics_settings(fast_settings, exact_max=100)
    [r] = build_indexes(settings, ["genetics"])
    assert r.manifest["index_type"] == "hnsw-ip"
    retriever = Retriever(settings)
    approx = retriever.index("genetics")
    exact_settings = load_settings(
        profile="fast",
        home=fast_settings.home / "exact",
        data_dir=fast_settings.data_dir,
        index={"max_docs_per_source": 150},
    )
    build_indexes(exact_settings, ["genetics"])
    exact = Retriever(exact_settings).index("genetics")
    queries = [
        "autosomal dominant inheritance",
        "microRNA gene silencing",
        "short stature",
        "heart defects",
        "kidney cysts",
        "intellectual disability",
        "seizures",
        "amyloid precursor protein",
        "skin abnormality",
        "hearing loss",
    ]
    vectors = retriever.embedder.embed(queries)
    found = approx.search_vectors(vectors, 10)
    truth = exact.search_vectors(vectors, 10)
    recall = np.mean(
        [
            len({h.passage_id for h in a} & {h.passage_id for h in t}) / 10
            for a, t in zip(found, truth, strict=True)
        ]
    )
    assert recall >= 0.95


def test_search_rejects_an_index_built_with_another_embedder(fast_settings: Settings) -> None:
    build_indexes(fast_settings, ["genetics"])
    other = load_settings(
        profile="fast",
        home=fast_settings.home,
        data_dir=fast_settings.data_dir,
        embedder={"hash_dim": 256},
    )
    with pytest.raises(ConfigError, match="built with embedder 'hash-384'"):
        Retriever(other).search("genetics", "kidney")
