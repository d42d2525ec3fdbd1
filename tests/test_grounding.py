"""Strict grounding fails closed: a statement names only what its cited passages name,
says more than the question, names its bridge by id, and is not a list of findings."""

from __future__ import annotations

from brainweave import knowledge
from brainweave.agents.llm import LLM
from brainweave.agents.models import Finding
from brainweave.graphs import grounding
from brainweave.graphs.synthesis import discover

PASSAGES = {
    "g1": {"domain": "genetics", "title": "", "text": "SOD1 mutations cause ALS.", "score": 0.6},
    "c1": {
        "domain": "clinical",
        "title": "",
        "text": "Amyotrophic lateral sclerosis patients showed reduced grip strength.",
        "score": 0.5,
    },
}


def named() -> dict[str, set[str]]:
    return grounding.named_by_passages(PASSAGES)


def test_an_entity_no_cited_passage_names_is_rejected_even_if_the_question_names_it() -> None:
    statement = "APOE e4 is associated with increased risk of amyotrophic lateral sclerosis."
    got = grounding.check(statement, ["g1", "c1"], named(), "Does APOE relate to ALS?")
    assert got is not None and got.reason == "ungrounded_entity" and "APOE" in got.detail


def test_a_restatement_of_the_question_is_rejected() -> None:
    q = "How do SOD1 variants relate to amyotrophic lateral sclerosis?"
    got = grounding.check(
        "SOD1 variants relate to amyotrophic lateral sclerosis.", ["g1", "c1"], named(), q
    )
    assert got is not None and got.reason == "restates_question"


def test_the_bridge_is_an_entity_id_not_a_word() -> None:
    passages = {"p": "Skeletal muscle atrophy and brain atrophy were both seen."}
    ids = grounding.named_by_passages(passages)
    brain = next(e for e in ids["p"] if knowledge.label(e) == "Brain atrophy")
    got = grounding.check(
        "SOD1 carriers show skeletal muscle atrophy.", ["p"], {"p": ids["p"] | {"x"}}, "q", [brain]
    )
    assert got is not None and got.reason in ("no_bridge", "ungrounded_entity")


def test_a_list_of_findings_is_not_a_hypothesis() -> None:
    run_on = (
        "SOD1 links the genetics finding that SOD1 mutations cause ALS and the clinical "
        "finding that patients showed reduced grip strength."
    )
    got = grounding.check(run_on, ["g1", "c1"], named(), "q")
    assert got is not None and got.reason == "run_on"


def test_a_grounded_statement_passes() -> None:
    ok = "SOD1 may lead to amyotrophic lateral sclerosis."
    assert grounding.check(ok, ["g1", "c1"], named(), "What causes weakness?") is None


def test_an_llm_wording_that_adds_an_entity_is_counted_and_the_template_stands(
    fast_settings: object,
) -> None:
    from langchain_core.language_models.fake_chat_models import FakeListChatModel

    passages = {
        "genetics:0": {
            "domain": "genetics",
            "title": "",
            "text": "APOE e4 carriers show reduced hippocampal volume.",
            "score": 0.6,
        },
        "neuroimaging:0": {
            "domain": "neuroimaging",
            "title": "",
            "text": "Hippocampal volume loss predicts memory impairment in older adults.",
            "score": 0.5,
        },
    }
    findings = [
        Finding(
            id=f"{p['domain']}:r0:1",
            domain=p["domain"],
            claim=p["text"],
            passage_ids=[pid],
            agent=p["domain"],
        )
        for pid, p in passages.items()
    ]
    invented = '{"statement": "APOE and TREM2 reduce hippocampal volume, causing memory loss."}'
    llm = LLM(FakeListChatModel(responses=[invented] * 10), timeout_s=5)
    hyps, dropped, problems = discover(
        llm, "How does APOE relate to memory impairment?", findings, passages
    )
    assert hyps and all("TREM2" not in h.statement for h in hyps)
    assert hyps[0].phrased_by == "template"
    assert dropped.get("llm_ungrounded_entity", 0) >= 1 and problems
