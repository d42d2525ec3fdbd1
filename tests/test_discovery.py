"""Discovery over the evidence graph: ranked A-B-C paths on hand-built evidence, novelty
on passages built to contain and to lack an A-C co-mention, typed claims phrased from
structure, and the synthesis step that puts them together."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest

from brainweave import knowledge
from brainweave.agents.models import Edge, Finding
from brainweave.graphs import claims, discovery, grounding, novelty
from brainweave.graphs.synthesis import discover
from brainweave.knowledge.graph import EvidenceGraph, annotate, write


def eid(name: str) -> str:
    """The one entity id a name resolves to (the test fails if it is not exactly one)."""
    (m,) = {m.entity_id for m in knowledge.default().find(name) if m.text.lower() == name.lower()}
    return m


def gene(symbol: str) -> str:
    (g,) = [e for e in knowledge.default().by_name[symbol.lower()] if e.startswith("NCBIGene:")]
    return g


def evidence_graph(tmp: Path, domain: str, texts: list[str]) -> EvidenceGraph:
    """A domain index's passage store holding these passages, mentions stored as at build."""
    db = tmp / f"{domain}.sqlite"
    con = sqlite3.connect(db)
    con.execute("CREATE TABLE passages (row INTEGER PRIMARY KEY, passage_id TEXT, text TEXT)")
    con.executemany(
        "INSERT INTO passages VALUES (?, ?, ?)",
        ((i, f"{domain}:{i}", t) for i, t in enumerate(texts)),
    )
    con.commit()
    con.close()
    kn = knowledge.default()
    write(db, kn, annotate(kn, (("", t) for t in texts)))
    return EvidenceGraph(domain, db)


def hits(domain: str, texts: list[str], score: float = 0.5) -> dict[str, dict[str, Any]]:
    return {
        f"{domain}:{i}": {"domain": domain, "title": "", "text": t, "score": score}
        for i, t in enumerate(texts)
    }


def linkable(passages: dict[str, dict[str, Any]]) -> dict[str, set[str]]:
    kn = knowledge.default()
    return {
        pid: {m.entity_id for m in kn.find(grounding.passage_text(p)) if not m.negated}
        for pid, p in passages.items()
    }


GENETICS = [
    "APOE e4 carriers show reduced hippocampal volume.",
    "APOE is expressed in the thalamus of mice.",
]
IMAGING = [
    "Hippocampal volume loss predicts memory impairment in older adults.",
    "Thalamic activity was associated with memory impairment in this cohort.",
]
# the thalamus is named everywhere in the imaging index: an unspecific B-term
IMAGING_INDEX = [
    *IMAGING,
    *[f"The thalamus responded to stimulus {i} in healthy volunteers." for i in range(30)],
]


def test_the_specific_b_term_ranks_first(tmp_path: Path) -> None:
    passages = {**hits("genetics", GENETICS), **hits("neuroimaging", IMAGING)}
    graphs = {
        "genetics": evidence_graph(tmp_path, "genetics", GENETICS),
        "neuroimaging": evidence_graph(tmp_path, "neuroimaging", IMAGING_INDEX),
    }
    net = discovery.Net(passages, linkable(passages), graphs, curated=False)
    apoe, memory = eid("APOE"), eid("memory impairment")
    paths = discovery.rank_paths(net, [apoe, memory])
    assert paths, "APOE and memory impairment are linked through the evidence"
    top = paths[0]
    assert top.nodes == (apoe, eid("hippocampus"), memory) and top.closed
    assert top.domains == ["genetics", "neuroimaging"]
    thalamus = [p for p in paths if p.bridge == eid("thalamus")]
    assert thalamus and thalamus[0].score < top.score
    # every edge is backed by a passage that names both its entities
    named = linkable(passages)
    for p in paths:
        for e in p.edges:
            assert e.passages and all({e.a, e.b} <= named[pid] for pid in e.passages)


def test_npmi_follows_bouma() -> None:
    assert discovery.npmi(10, 10, 10, 100) == pytest.approx(1.0)
    assert discovery.npmi(1, 10, 10, 100) == pytest.approx(0.0)
    assert discovery.npmi(0, 10, 10, 100) == -1.0


def test_brain_atrophy_and_muscle_atrophy_never_link() -> None:
    passages = {
        **hits("genetics", ["SOD1 mutations cause skeletal muscle atrophy."]),
        **hits("neuroimaging", ["Brain atrophy in the hippocampus was marked."]),
    }
    net = discovery.Net(passages, linkable(passages), curated=False)
    assert eid("brain atrophy") != eid("skeletal muscle atrophy")
    assert discovery.rank_paths(net, [eid("SOD1")]) == []


def test_open_discovery_starts_from_the_evidence_when_the_question_names_nothing() -> None:
    passages = {**hits("genetics", GENETICS[:1]), **hits("neuroimaging", IMAGING[:1])}
    net = discovery.Net(passages, linkable(passages), curated=False)
    paths = discovery.rank_paths(net, [])
    assert any(p.bridge == eid("hippocampus") for p in paths)


def test_novelty_known_when_a_passage_names_both_ends(tmp_path: Path) -> None:
    apoe, memory = eid("APOE"), eid("memory impairment")
    with_both = evidence_graph(
        tmp_path, "clinical", ["APOE e4 carriers had more memory impairment at follow-up."]
    )
    without = evidence_graph(
        tmp_path, "genetics", ["APOE encodes apolipoprotein E.", "Memory impairment is common."]
    )
    known = novelty.assess(apoe, memory, {"clinical": with_both, "genetics": without})
    assert known.status == "known" and known.passages == ["clinical:0"]
    assert known.counts == {"clinical": 1} and known.checked == ["clinical", "genetics"]
    bridged = novelty.assess(apoe, memory, {"genetics": without}, linking_terms=2)
    assert bridged.status == "bridged" and bridged.passages == [] and bridged.linking_terms == 2
    negated = evidence_graph(
        tmp_path, "neuroimaging", ["APOE status showed no memory impairment difference."]
    )
    assert novelty.assess(apoe, memory, {"neuroimaging": negated}).status in ("known", "bridged")


@pytest.mark.parametrize(
    ("sentence", "word"),
    [
        ("APOE e4 carriers show increased amyloid in the hippocampus.", "increased"),
        ("APOE e4 carriers show reduced hippocampal volume.", "reduced"),
        ("APOE e2 protects against Alzheimer's disease.", "protects against"),
        ("APOE e4 raises the risk of Alzheimer's disease.", "raises the risk of"),
        ("SNCA mutations cause Parkinson's disease.", "causes"),
        ("APOE was associated with Alzheimer's disease.", "associated with"),
        ("APOE and hippocampus.", "associated with"),
    ],
)
def test_direction_words_come_from_the_cited_sentence(sentence: str, word: str) -> None:
    assert claims.direction(sentence) == word


def test_an_entity_name_is_not_a_direction_word() -> None:
    # "impairment" and "atrophy" are part of the names, not a direction
    assert claims.direction("Memory impairment and hippocampal atrophy co-occur.") == (
        "associated with"
    )


KINDS = {
    "gene": "APOE",
    "region": "hippocampus",
    "phenotype": "memory impairment",
    "disease": "Huntington disease",
    "transmitter": "dopamine",
}


@pytest.mark.parametrize("word", claims.DIRECTION_WORDS)
@pytest.mark.parametrize("kind", sorted(KINDS))
def test_statements_from_structure_name_every_entity_and_the_direction(
    word: str, kind: str
) -> None:
    a, b = eid("SNCA"), eid(KINDS[kind]) if kind != "gene" else eid("APOE")
    c = eid("tremor")
    edges = [
        Edge(
            subject=a,
            subject_label=knowledge.label(a),
            relation=word,
            object=b,
            object_label=knowledge.label(b),
        ),
        Edge(
            subject=b,
            subject_label=knowledge.label(b),
            relation="associated with",
            object=c,
            object_label=knowledge.label(c),
        ),
    ]
    text = claims.phrase_chain(edges)
    assert set(knowledge.find_entities(text)) >= {a, b, c}, text
    assert text.endswith(".") and text.count(".") == 1 and "finding that" not in text
    if word in ("increased", "reduced") and kind in ("phenotype", "disease"):
        # a cue near a condition measures something else: never "less memory impairment"
        assert " less " not in text and " more " not in text
    elif word in ("increased", "reduced") and kind == "region":
        assert ("increases" if word == "increased" else "reductions") in text
    elif word == "causes":
        assert "lead to" in text or "acts on" in text
    else:
        assert word in text
    # grounded in passages that name the three, and a structure to fall back to
    named = {"p1": {a, b}, "p2": {b, c}}
    assert grounding.check(text, ["p1", "p2"], named, "What does SNCA do?", [b]) is None
    assert claims.structure(edges).count("→") == 2


def test_discover_phrases_typed_grounded_chains_with_novelty(tmp_path: Path) -> None:
    passages = {**hits("genetics", GENETICS), **hits("neuroimaging", IMAGING)}
    graphs = {
        "genetics": evidence_graph(tmp_path, "genetics", GENETICS),
        "neuroimaging": evidence_graph(tmp_path, "neuroimaging", IMAGING_INDEX),
    }
    findings = [
        Finding(
            id=f"{p['domain']}:r0:{i}",
            domain=p["domain"],
            claim=p["text"],
            passage_ids=[pid],
            agent=p["domain"],
            entities=sorted(linkable({pid: p})[pid]),
        )
        for i, (pid, p) in enumerate(passages.items())
    ]
    q = "How does APOE relate to memory impairment?"
    hyps, _, _ = discover(None, q, findings, passages, graphs)
    assert hyps
    h = hyps[0]
    assert h.bridge == [eid("hippocampus")] and h.phrased_by == "template"
    assert [e.subject for e in h.edges] == [eid("APOE"), eid("hippocampus")]
    assert h.edges[0].relation == "reduced" and h.edges[0].passage_id == "genetics:0"
    assert h.novelty is not None and h.novelty.status == "bridged"
    assert "APOE" in h.statement and "reductions in the hippocampus" in h.statement
    named = grounding.named_by_passages(passages)
    for x in hyps:
        if x.phrased_by != "structure":
            assert grounding.check(x.statement, x.passage_ids, named, q, x.bridge) is None


def test_a_known_gene_region_phenotype_chain_is_found_on_real_indexes(
    fast_settings: Any,
) -> None:
    """HTT -> striatum (genetics) -> a clinical sign (neuroimaging), from the stored
    mentions of the real corpora's small indexes (Walker, Lancet 2007)."""
    from brainweave.retrieval import build_indexes
    from brainweave.retrieval.store import IndexStore

    build_indexes(fast_settings)
    with knowledge.use(knowledge.load(fast_settings.resolved_data_dir)):
        store = IndexStore(fast_settings.index_dir)
        htt, striatum = gene("HTT"), eid("striatum")
        graphs = {d: store.evidence_graph(d) for d in ("genetics", "neuroimaging")}
        passages: dict[str, dict[str, Any]] = {}
        for domain, entity in (("genetics", htt), ("neuroimaging", striatum)):
            pids = graphs[domain].passages_mentioning(entity, 20)
            for p in store.open(domain).passages(pids):
                passages[p["passage_id"]] = {**p, "domain": domain, "score": 0.5}
        net = discovery.Net(passages, linkable(passages), graphs)
        paths = discovery.rank_paths(net, [htt], limit=20)
        chains = [p for p in paths if p.nodes[:2] == (htt, striatum)]
        assert chains, [tuple(knowledge.label(x) for x in p.nodes) for p in paths]
        signs = [p for p in chains if knowledge.kind(p.nodes[2]) in ("phenotype", "disease")]
        assert signs, [knowledge.label(p.nodes[2]) for p in chains]
        assert signs[0].domains == ["genetics", "neuroimaging"]


# ----- staying on the question -----------------------------------------------------------------
def test_a_question_entity_missing_from_the_evidence_gives_no_chain_from_elsewhere() -> None:
    """The question names SNCA; the evidence is about APOE: no unrelated chain is offered."""
    passages = {**hits("genetics", GENETICS[:1]), **hits("neuroimaging", IMAGING[:1])}
    net = discovery.Net(passages, linkable(passages), curated=False)
    assert discovery.rank_paths(net, [eid("APOE")])
    assert discovery.rank_paths(net, [eid("SNCA")]) == []


def test_a_chain_whose_c_end_has_nothing_to_do_with_the_question_is_dropped() -> None:
    imaging = [
        "Hippocampal volume loss predicts memory impairment in older adults.",
        "The hippocampus was larger in patients with tremor.",
    ]
    filler = [f"Participants rated stimulus {i} on a scale." for i in range(4)]
    passages = {
        **hits("genetics", GENETICS[:1]),
        **hits("neuroimaging", imaging),
        **hits("clinical", filler),
    }
    relevance = {"genetics:0": 0.9, "neuroimaging:0": 0.8, "neuroimaging:1": 0.0}
    relevance |= {f"clinical:{i}": 0.1 for i in range(4)}
    net = discovery.Net(passages, linkable(passages), curated=False, relevance=relevance)
    paths = discovery.rank_paths(net, [eid("APOE")])
    ends = {p.nodes[2] for p in paths}
    assert eid("memory impairment") in ends and eid("tremor") not in ends
    assert net.rejected["off_topic"] >= 1


def test_a_trial_design_co_mention_and_a_passage_only_co_mention_count_less() -> None:
    design = "A randomized, placebo-controlled trial enrolled participants with tremor and anxiety."
    claim = "Patients with tremor often report anxiety."
    apart = "Patients with tremor were seen. Separately, anxiety was recorded."
    assert discovery.is_design(design) and not discovery.is_design(claim)

    def weight(text: str) -> float:
        passages = hits("clinical", [text])
        net = discovery.Net(passages, linkable(passages), curated=False)
        (e,) = [e for e in net.edges.values() if {e.a, e.b} == {eid("tremor"), eid("anxiety")}]
        return e.weight

    assert weight(design) < weight(claim) and weight(apart) < weight(claim)


def test_chains_across_levels_of_description_come_first() -> None:
    prior = discovery.type_prior
    assert prior("gene", "region", "phenotype") > prior("gene", "disease", "region")
    assert prior("gene", "disease", "region") > prior("gene", "gene", "phenotype")
    assert prior("disease", "intervention", "gene") < prior("disease", "phenotype", "gene")


def test_the_exchange_re_queries_each_index_for_the_edges_of_the_best_chains(
    tmp_path: Path,
) -> None:
    from types import SimpleNamespace

    from langgraph.runtime import Runtime

    from brainweave.agents.builtin import GeneticsAgent, NeuroimagingAgent
    from brainweave.graphs.context import RunContext
    from brainweave.graphs.nodes import exchange

    graphs = {
        "genetics": evidence_graph(tmp_path, "genetics", GENETICS),
        "neuroimaging": evidence_graph(tmp_path, "neuroimaging", IMAGING_INDEX),
    }
    apoe, hippocampus, memory = eid("APOE"), eid("hippocampus"), eid("memory impairment")
    queries = discovery.exchange_queries(graphs, [apoe])
    kn = knowledge.default()

    def pair(q: str) -> set[str]:
        return {m.entity_id for m in kn.find(q) if not m.negated}

    assert {apoe, hippocampus} <= pair(queries["genetics"][0]), queries
    assert any({hippocampus, memory} <= pair(q) for q in queries["neuroimaging"]), queries
    assert all(q.startswith('"') for qs in queries.values() for q in qs)  # pinned phrases

    store = SimpleNamespace(evidence_graph=lambda d: graphs[d])
    ctx = RunContext(
        agents={"genetics": GeneticsAgent(), "neuroimaging": NeuroimagingAgent()},
        retriever=SimpleNamespace(store=store),  # type: ignore[arg-type]
        llm=None,  # type: ignore[arg-type]
        scorer=lambda: None,  # type: ignore[arg-type, return-value]
        knowledge=knowledge.default(),
    )
    f = Finding(
        id="i1",
        domain="neuroimaging",
        claim=IMAGING[0],
        passage_ids=["neuroimaging:0"],
        agent="neuroimaging",
        entities=sorted(linkable(hits("neuroimaging", IMAGING[:1]))["neuroimaging:0"]),
    )
    q = "What do APOE variants do to the brain?"
    state = {
        "question": q,
        "agents": ["genetics", "neuroimaging"],
        "round": 0,
        "findings": [f],
        "queries_run": {"genetics": [q], "neuroimaging": [q]},
    }
    up = exchange(state, Runtime(context=ctx))  # type: ignore[arg-type]
    assert up["pending"]["genetics"][0] == queries["genetics"][0]
    assert up["pending"]["neuroimaging"][: len(queries["neuroimaging"])] == queries["neuroimaging"]


def test_a_cause_of_something_else_is_not_a_cause_of_the_edge() -> None:
    """'levodopa-induced dyskinesia in Parkinson disease' does not say levodopa causes it."""
    levodopa, pd, snca = eid("levodopa"), eid("Parkinson disease"), eid("SNCA")
    said = "Levodopa-induced dyskinesia is common in Parkinson disease."
    assert claims.direction(said, levodopa, pd) == "associated with"
    assert claims.direction("SNCA mutations cause Parkinson disease.", snca, pd) == "causes"
    assert claims.direction("Parkinson disease is caused by SNCA mutations.", snca, pd) != (
        "causes"
    )


def test_a_chain_names_its_entities_as_the_cited_sentence_writes_them() -> None:
    """The card words a link as its passage does: "Huntington's disease", not the
    ontology's "Huntington disease"; a synonym shows the vocabulary's name beside it; a
    region's adjective ("striatal") and a gene symbol keep their names."""
    from brainweave.graphs.claims import as_written

    [hd] = [m.entity_id for m in knowledge.default().find("Huntington's disease")]
    s = "Huntington's disease patients showed striatal loss and memory decline."
    assert as_written(hd, s) == "Huntington's disease"
    assert as_written(eid("striatum"), s) == "striatum"
    assert as_written("HP:0002354", s) == "memory decline (memory impairment)"
    assert as_written(gene("HTT"), "HTT repeats") == "HTT"
    assert as_written(hd, None) == knowledge.label(hd)
