"""Hybrid retrieval: BM25 (SQLite FTS5) beside the dense index, fused by reciprocal rank.

Fast: the hash embedder over small real indexes (the first 60 records of each source
plus every record the labelled set judges relevant)."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from typing import Any

import pytest

from brainweave.errors import BrainweaveError, ConfigError, IndexMissingError
from brainweave.retrieval import Retriever, build_indexes, lexical
from brainweave.retrieval.store import manifest_digest
from brainweave.settings import Settings, load_settings

REPO = Path(__file__).resolve().parents[1]
LABELLED = REPO / "tests" / "data" / "retrieval_queries.jsonl"


def _bench() -> Any:
    spec = importlib.util.spec_from_file_location("bench_hybrid", REPO / "benchmarks/hybrid.py")
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


# ----- tokenisation -----------------------------------------------------------------
def test_gene_symbols_hyphenated_names_and_ids_stay_whole() -> None:
    toks = lexical.tokens("GRIN2B, TH and APOE-e4 in Aarskog-Scott syndrome (HP:0001250).")
    assert toks == [
        "grin2b",
        "th",
        "and",
        "apoe-e4",
        "in",
        "aarskog-scott",
        "syndrome",
        "hp:0001250",
    ]
    assert lexical.parts_of("aarskog-scott") == ["aarskog", "scott"]
    assert lexical.tokens("Summary: Guillain-Barré") == ["summary", "guillain-barre"]


@pytest.mark.parametrize(
    ("text", "ids"),
    [
        ("NCT01234567", ["nct01234567"]),
        ("trial nct 01234567", ["nct01234567"]),
        ("HP:0001250", ["hp:0001250"]),
        ("HP_0001250", ["hp:0001250"]),
        ("PMID 9405692", ["pmid:9405692"]),
        ("pmid:36914701", ["pmid:36914701"]),
        ("PMC5531216", ["pmc5531216"]),
        ("NCBIGene:348", ["ncbigene:348"]),
        ("Gene ID 7054", ["ncbigene:7054"]),
        ("APOE and dementia", []),
    ],
)
def test_identifiers_are_recognised_in_every_spelling(text: str, ids: list[str]) -> None:
    assert lexical.find_ids(text) == ids


def test_a_query_splits_into_words_phrases_and_ids() -> None:
    q = lexical.parse('"febrile seizure" in the children of NCT00947622 with Aarskog-Scott')
    assert q.phrases == [["febrile", "seizure"]]
    assert q.ids == ["nct00947622"]
    assert q.terms == ["children", "aarskog-scott", "aarskog", "scott"]  # stop words gone
    assert not q.is_id_lookup
    assert lexical.parse("HP:0001250").is_id_lookup


@pytest.mark.parametrize("query", ["what is the", "?!", "-- ; ..", "and or not"])
def test_a_query_of_only_stop_words_or_punctuation_is_refused(query: str) -> None:
    with pytest.raises(BrainweaveError, match="only stop words or punctuation"):
        lexical.parse(query)


def test_record_ids_come_from_the_native_id_and_the_metadata() -> None:
    assert lexical.record_ids(
        "pmc_oa_neuroimaging_abstracts/PMC10011534", {"pmid": "36914701"}
    ) == [
        "pmc10011534",
        "pmid:36914701",
    ]
    assert lexical.record_ids("refseq_gene_summaries/NCBIGene:348", {"ncbi_gene": 348}) == [
        "ncbigene:348"
    ]


# ----- fusion -------------------------------------------------------------------------
def test_reciprocal_rank_fusion_on_hand_made_rankings() -> None:
    dense = [1, 2, 3, 4]
    bm25 = [3, 5, 1]
    fused = lexical.rrf([dense, bm25], k=60)
    assert [r for r, _ in fused] == [1, 3, 2, 5, 4]
    scores = dict(fused)
    assert scores[1] == pytest.approx(1 / 61 + 1 / 63)
    assert scores[3] == pytest.approx(1 / 63 + 1 / 61)  # a tie: the earlier ranking wins
    assert scores[5] == pytest.approx(1 / 62)
    # an item both rankers put first beats one that only one ranker has at all
    assert lexical.rrf([[7, 8], [7, 9]])[0] == (7, pytest.approx(2 / 61))
    assert lexical.rrf([]) == []


# ----- real small indexes ---------------------------------------------------------------
def _labelled() -> list[dict[str, Any]]:
    return [json.loads(line) for line in LABELLED.read_text().splitlines() if line]


def test_the_labelled_set_is_large_and_covers_every_domain_and_type() -> None:
    queries = _labelled()
    assert len(queries) >= 80
    assert {q["domain"] for q in queries} == {"genetics", "neuroimaging", "clinical"}
    assert {"symbol", "name", "paraphrase", "region", "id"} <= {q["type"] for q in queries}
    assert all(q["relevant"] for q in queries)
    assert len({q["qid"] for q in queries}) == len(queries)


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    from tests.conftest import DATA_DIR

    home = tmp_path_factory.mktemp("hybrid-home")
    judged = {d for q in _labelled() for d in q["relevant"]}
    _bench().subset_data(DATA_DIR, home / "data", 60, judged)
    settings = load_settings(profile="fast", home=home, data_dir=home / "data")
    build_indexes(settings)
    return settings


def _with_mode(settings: Settings, mode: str) -> Settings:
    return settings.model_copy(update={"search": settings.search.model_copy(update={"mode": mode})})


def test_a_gene_symbol_finds_its_gene_first(small: Settings) -> None:
    r = Retriever(small)
    for mode in ("bm25", "hybrid"):
        hits = r.search("genetics", "GRIN2B", 5, mode=mode)
        assert hits[0].doc_id == "refseq_gene_summaries/NCBIGene:2904", mode
        assert r.search("genetics", "TH", 3, mode=mode)[0].title == "TH (tyrosine hydroxylase)"


def test_ids_find_their_record_first_in_every_mode(small: Settings) -> None:
    r = Retriever(small)
    cases = {
        ("genetics", "HP:0001250"): "hpo_terms/HP:0001250",
        ("genetics", "Gene ID 7054"): "refseq_gene_summaries/NCBIGene:7054",
        ("clinical", "NCT00947622"): "ctgov_neuro_trials/NCT00947622",
        ("clinical", "PMID:11340218"): "pubmedqa_pqal/PMID:11340218",
        ("neuroimaging", "PMID 36914701"): "pmc_oa_neuroimaging_abstracts/PMC10011534",
        ("neuroimaging", "what does PMC5531216 report"): (
            "pmc_oa_neuroimaging_abstracts/PMC5531216"
        ),
    }
    for mode in ("dense", "bm25", "hybrid"):
        for (domain, query), doc_id in cases.items():
            hits = r.search(domain, query, 5, mode=mode)
            assert hits[0].doc_id == doc_id, (mode, query)
            assert hits[0].score == max(h.score for h in hits)  # sorting keeps it first


def test_an_id_that_exists_nowhere_says_so(small: Settings) -> None:
    r = Retriever(small)
    with pytest.raises(
        BrainweaveError, match="no record of the clinical index has the id NCT99999999"
    ):
        r.search("clinical", "NCT99999999", 5)
    with pytest.raises(BrainweaveError, match="HP:9999999"):
        r.search("genetics", "HP:9999999", 5, mode="dense")


def test_a_quoted_phrase_finds_passages_that_contain_it_first(small: Settings) -> None:
    hits = Retriever(small).search("genetics", '"febrile seizure" in toddlers', 5, mode="hybrid")
    assert "febrile seizure" in (hits[0].title + " " + hits[0].text).lower()


def test_a_hyphenated_disease_name_is_found_with_or_without_the_hyphen(small: Settings) -> None:
    r = Retriever(small)
    want = "medquad_genetics_home_reference/3_GHR_QA:0000972-"
    for query in ("Tay-Sachs disease", "Tay Sachs disease"):
        hits = r.search("genetics", query, 5, mode="bm25")
        assert all(h.doc_id.startswith(want) for h in hits), query


def test_source_and_year_filters_are_exact(small: Settings) -> None:
    r = Retriever(small)
    for mode in ("dense", "bm25", "hybrid"):
        hits = r.search("genetics", "seizures", 8, mode=mode, sources=["hpo_terms"])
        assert hits and all(h.source == "hpo_terms" for h in hits), mode
        hits = r.search("neuroimaging", "pain", 8, mode=mode, year=2023)
        assert hits and all(str(h.metadata.get("year")) == "2023" for h in hits), mode
        trials = r.search(
            "clinical", "stimulation", 5, mode=mode, year=2009, sources=["ctgov_neuro_trials"]
        )
        assert all(h.metadata["start_date"].startswith("2009") for h in trials), mode


def test_scores_mean_what_each_mode_says(small: Settings) -> None:
    r = Retriever(small)
    dense = r.search("clinical", "deep brain stimulation", 5, mode="dense")
    bm25 = r.search("clinical", "deep brain stimulation", 5, mode="bm25")
    hybrid = r.search("clinical", "deep brain stimulation", 5, mode="hybrid")
    assert all(-1.0 <= h.score <= 1.0 for h in dense)  # cosine
    assert all(h.score > 0 for h in bm25)  # BM25, higher is better
    assert all(0 < h.score <= 2 / (small.search.rrf_k + 1) for h in hybrid)  # RRF
    for hits in (dense, bm25, hybrid):
        assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)


def test_labelled_queries_of_each_type_on_real_indexes(small: Settings) -> None:
    """Hybrid beats dense on symbol and name queries and is no worse on the others, on
    the labelled set (small indexes, hash embedder: a regression guard, not the
    benchmark, which is benchmarks/hybrid.py with the real embedder)."""
    bench = _bench()
    r = Retriever(small)
    recall: dict[tuple[str, str], list[float]] = {}
    for q in _labelled():
        for mode in ("dense", "hybrid"):
            hits = r.search(q["domain"], q["query"], 10, mode=mode)
            docs = list(dict.fromkeys(h.doc_id for h in hits))
            recall.setdefault((q["type"], mode), []).append(
                bench.metrics(docs, set(q["relevant"]))["recall@10"]
            )

    def mean(t: str, m: str) -> float:
        return sum(recall[t, m]) / len(recall[t, m])

    assert mean("symbol", "hybrid") >= mean("symbol", "dense") + 0.10
    assert mean("name", "hybrid") >= mean("name", "dense")
    for t in ("paraphrase", "region", "id"):
        assert mean(t, "hybrid") >= mean(t, "dense") - 0.02, t
    assert mean("id", "hybrid") >= 0.9


def test_an_index_without_bm25_says_which_command_fixes_it_and_build_rebuilds(
    tmp_path: Path, data_dir: Path
) -> None:
    settings = load_settings(
        profile="fast", home=tmp_path / "h", data_dir=data_dir, index={"max_docs_per_source": 20}
    )
    [built] = build_indexes(settings, ["clinical"])
    manifest_path = (
        tmp_path / "h/indexes/clinical/builds" / built.manifest["build_id"] / "manifest.json"
    )
    old = json.loads(manifest_path.read_text())
    del old["lexical"]  # as an index built before BM25 was added
    del old["depends_on"]["lexical"]
    old["digest"] = manifest_digest(old)  # a consistent older manifest, not a damaged one
    manifest_path.write_text(json.dumps(old))

    r = Retriever(settings)
    assert r.search("clinical", "stroke", 3, mode="dense")  # dense still works
    with pytest.raises(IndexMissingError) as err:
        r.search("clinical", "stroke", 3, mode="bm25")
    assert "no BM25 index" in err.value.message
    assert "brainweave index build --domain clinical" in (err.value.hint or "")

    [again] = build_indexes(settings, ["clinical"])
    assert again.action == "rebuilt" and "lexical" in again.reason
    assert Retriever(settings).search("clinical", "stroke", 3, mode="bm25")
    [same] = build_indexes(settings, ["clinical"])
    assert same.action == "reused"


def test_expansion_names_are_optional_phrases_not_requirements() -> None:
    q = lexical.parse("Willis-Ekbom disease", ["Restless legs syndrome", "disease", "Ekbom"])
    assert q.expansions == [["restless", "legs", "syndrome"]]  # the query's own words dropped
    assert '{title body parts} : "restless legs syndrome"' in q.match()
    assert q.required() is None  # nothing pinned: an expansion is a hint, not a filter
    assert not q.is_id_lookup


@pytest.fixture(scope="module")
def knowledge() -> Any:
    from brainweave.graphs.services import Services
    from tests.conftest import DATA_DIR

    return Services().knowledge(DATA_DIR)


def test_entity_names_come_from_the_knowledge_layer(knowledge: Any) -> None:
    from brainweave.retrieval.expansion import entity_names

    assert "apolipoprotein E" in entity_names(knowledge, "APOE")
    assert "APOE" in entity_names(knowledge, "apolipoprotein E")
    names = entity_names(knowledge, "Willis-Ekbom disease")
    assert "Restless legs syndrome" in names
    assert all(n.casefold() != "willis-ekbom disease" for n in names)  # not its own spelling
    assert entity_names(knowledge, "how many people are affected") == []


def test_expansion_finds_a_disease_by_a_synonym_its_record_never_uses(
    small: Settings, knowledge: Any
) -> None:
    def about_rls(hit: Any) -> bool:
        return "restless legs" in f"{hit.title} {hit.text}".lower()

    r = Retriever(small, knowledge=knowledge)
    plain = r.search("clinical", "Willis-Ekbom disease", 5, mode="bm25")
    assert not about_rls(plain[0])  # "disease" alone matches other records
    on = _with_mode(small, "bm25")
    on = on.model_copy(update={"search": on.search.model_copy(update={"expand": True})})
    hits = Retriever(on, knowledge=knowledge).search("clinical", "Willis-Ekbom disease", 5)
    assert about_rls(hits[0])
    # the per-call switch overrides the setting
    hits = r.search("clinical", "Willis-Ekbom disease", 5, mode="bm25", expand=True)
    assert about_rls(hits[0])


def test_expansion_without_the_knowledge_layer_says_how_to_fix_it(small: Settings) -> None:
    on = small.model_copy(update={"search": small.search.model_copy(update={"expand": True})})
    with pytest.raises(ConfigError, match="without the knowledge layer") as err:
        Retriever(on).search("genetics", "dopamine", 3)
    assert "search.expand = false" in (err.value.hint or "")


def test_services_give_the_retriever_the_knowledge_layer_when_expansion_is_on(
    small: Settings,
) -> None:
    from brainweave.graphs.services import Services

    svc = Services(plugins=False)
    assert svc.retriever(small).knowledge is None  # off: nothing loaded
    on = small.model_copy(update={"search": small.search.model_copy(update={"expand": True})})
    assert svc.retriever(on).knowledge is svc.knowledge(on.resolved_data_dir)


def test_the_agents_retrieve_with_hybrid_when_configured(
    small: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    from brainweave.agents.builtin.genetics import GeneticsAgent

    fused: list[int] = []
    real_rrf = lexical.rrf
    monkeypatch.setattr(
        lexical, "rrf", lambda rankings, k=60: fused.append(k) or real_rrf(rankings, k)
    )
    agent = GeneticsAgent()
    hybrid = Retriever(_with_mode(small, "hybrid"))
    hits = agent.retrieve(hybrid, ["GRIN2B", "NMDA receptor subunit"], 5)
    assert len(fused) == 2  # one fusion per query
    assert hits[0].doc_id == "refseq_gene_summaries/NCBIGene:2904"
    assert all(h.score <= 2 / 61 for h in hits)  # RRF scores, not cosines

    fused.clear()
    dense = Retriever(_with_mode(small, "dense"))
    agent.retrieve(dense, ["GRIN2B"], 5)
    assert fused == []  # dense mode never fuses
