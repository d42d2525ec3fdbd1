"""Cross-domain linking, citation checks and the state reducers (pure logic)."""

from __future__ import annotations

from langchain_core.language_models.fake_chat_models import GenericFakeChatModel

from brainweave.agents.fake_llm import FakeChatModel
from brainweave.agents.llm import LLM
from brainweave.agents.models import Finding
from brainweave.graphs.state import add_numbers, merge_by_id, union_lists
from brainweave.graphs.synthesis import link_findings, synthesise, verify
from brainweave.knowledge import find_entities, label


def finding(fid: str, domain: str, claim: str, pid: str | None = None) -> Finding:
    return Finding(
        id=fid,
        domain=domain,
        claim=claim,
        passage_ids=[pid or f"{fid}#0"],
        agent=domain,
        entities=find_entities(claim),
    )


G = finding("g1", "genetics", "APOE e4 raises the risk of Alzheimer's disease.")
M = finding("i1", "neuroimaging", "Hippocampal atrophy is faster in Alzheimer's disease.")
C = finding("c1", "clinical", "Hippocampal volume loss predicts conversion in memory clinics.")
X = finding("x1", "clinical", "Levodopa improves gait in Parkinson's disease.")
RETRIEVED = {p for f in (G, M, C, X) for p in f.passage_ids}


def test_a_shared_word_is_not_a_bridge_a_shared_entity_is() -> None:
    brain = finding("i2", "neuroimaging", "Brain atrophy on MRI tracks cognitive decline.")
    muscle = finding("c2", "clinical", "Muscle atrophy limits walking after the ICU stay.")
    assert brain.entities and muscle.entities and not set(brain.entities) & set(muscle.entities)
    assert link_findings([brain, muscle], "atrophy") == []
    cerebral = finding("c3", "clinical", "Patients with brain atrophy needed more help at home.")
    (linked,) = link_findings([brain, cerebral], "atrophy")
    assert [label(e) for e in linked.bridge] == ["Brain atrophy"]


def test_direct_and_chained_links() -> None:
    sets = link_findings([G, M, C, X], "APOE and hippocampal atrophy")
    members = [tuple(f.id for f in s.findings) for s in sets]
    assert ("g1", "i1") in members  # A-B through Alzheimer's disease
    assert ("c1", "i1") in members  # through the hippocampus
    assert ("c1", "g1", "i1") in members  # A-B-C: genetics and clinical share nothing
    chain = next(s for s in sets if len(s.findings) == 3)
    assert chain.domains == ["clinical", "genetics", "neuroimaging"]
    assert {label(e) for e in chain.bridge} == {"Alzheimer disease", "hippocampus"}
    assert sets[0] is chain  # three domains rank first
    assert all("x1" not in m for m in members)  # nothing links the levodopa finding


def test_no_link_within_one_domain() -> None:
    a = finding("a", "clinical", "Alzheimer's disease impairs memory.")
    b = finding("b", "clinical", "Alzheimer's disease is common.")
    assert link_findings([a, b], "q") == []


def test_verify_fails_closed() -> None:
    by_id = {f.id: f for f in (G, M, C)}
    assert verify("s", ["g1", "i1"], by_id, RETRIEVED) == (
        ["genetics", "neuroimaging"],
        ["g1#0", "i1#0"],
    )
    assert verify("s", ["g1", "zz"], by_id, RETRIEVED) == "citation"
    assert verify("s", ["g1", "i1"], by_id, RETRIEVED - {"i1#0"}) == "citation"
    assert verify("s", ["i1", "i1"], by_id, RETRIEVED) == "single_domain"


def test_synthesise_with_the_fake_llm_cites_every_linked_finding() -> None:
    hyps, dropped, problems = synthesise(
        LLM(FakeChatModel(), timeout_s=5), "APOE and hippocampus", [G, M, C], RETRIEVED
    )
    assert hyps and dropped == {} and problems == []
    for h in hyps:
        assert len(h.domains) >= 2 and h.phrased_by == "llm"
        assert set(h.passage_ids) <= RETRIEVED
    assert "APOE e4 raises the risk" in hyps[0].statement


def test_single_domain_answers_are_dropped_and_counted() -> None:
    one = (
        '{"statement": "Hippocampal atrophy is increased in Alzheimer\'s disease.", '
        '"finding_ids": ["F1", "F1"]}'
    )
    llm = LLM(GenericFakeChatModel(messages=iter([one] * 20)), timeout_s=5)
    hyps, dropped, _ = synthesise(llm, "q", [G, M], RETRIEVED)
    assert hyps == [] and dropped == {"single_domain": 1}


def test_unusable_llm_answers_fall_back_to_a_template() -> None:
    bad = '{"statement": "A bold claim about everything.", "finding_ids": ["F1", "F7"]}'
    llm = LLM(GenericFakeChatModel(messages=iter([bad] * 20)), timeout_s=5)
    hyps, dropped, problems = synthesise(llm, "q", [G, M], RETRIEVED)
    assert dropped == {}
    (h,) = hyps
    assert h.phrased_by == "template" and problems and "F7" in problems[0]
    assert h.statement.startswith("Alzheimer disease links the genetics finding that")
    assert h.finding_ids == ["g1", "i1"]


def test_statements_must_stay_grounded_in_their_findings() -> None:
    invented = (
        '{"statement": "SNCA variants increase hippocampal atrophy in Alzheimer\'s disease.", '
        '"finding_ids": ["F1", "F2"]}'
    )
    no_bridge = '{"statement": "Carriers decline faster than others.", "finding_ids": ["F1", "F2"]}'
    grounded = (
        '{"statement": "APOE e4 carriers with Alzheimer\'s disease show increased hippocampal '
        'atrophy.", "finding_ids": ["F1", "F2"]}'
    )
    for answer, why in ((invented, "SNCA"), (no_bridge, "bridge")):
        llm = LLM(GenericFakeChatModel(messages=iter([answer] * 4)), timeout_s=5)
        (h,), _, problems = synthesise(llm, "q", [G, M], RETRIEVED)
        assert h.phrased_by == "template" and why in problems[0]
    llm = LLM(GenericFakeChatModel(messages=iter([grounded])), timeout_s=5)
    (h,), _, problems = synthesise(llm, "APOE", [G, M], RETRIEVED)
    assert h.phrased_by == "llm" and problems == [] and h.statement.startswith("APOE e4")


def test_reducers() -> None:
    renamed = M.model_copy(update={"claim": "Renamed."})
    assert merge_by_id([M], [G, renamed]) == [renamed, G], "a repeated id replaces in place"
    assert union_lists({"a": ["x"]}, {"a": ["x", "y"], "b": ["z"]}) == {
        "a": ["x", "y"],
        "b": ["z"],
    }
    assert add_numbers({"llm": 1.0}, {"llm": 0.5, "scoring": 2.0}) == {"llm": 1.5, "scoring": 2.0}


# ----- the exchange rule ----------------------------------------------------------------------
def _exchange(findings: list[Finding], round_: int, max_rounds: int = 3) -> dict[str, object]:
    from langgraph.runtime import Runtime

    from brainweave import knowledge
    from brainweave.agents.builtin import GeneticsAgent, NeuroimagingAgent
    from brainweave.graphs.context import RunContext
    from brainweave.graphs.nodes import exchange

    ctx = RunContext(
        agents={"genetics": GeneticsAgent(), "neuroimaging": NeuroimagingAgent()},
        retriever=None,  # type: ignore[arg-type]
        llm=None,  # type: ignore[arg-type]
        scorer=lambda: None,  # type: ignore[arg-type, return-value]
        knowledge=knowledge.default(),
        rounds=max_rounds,
    )
    state = {
        "question": "q",
        "agents": ["genetics", "neuroimaging"],
        "round": round_,
        "findings": findings,
        "queries_run": {"genetics": ["q"], "neuroimaging": ["q"]},
    }
    return exchange(state, Runtime(context=ctx))  # type: ignore[arg-type]


def test_exchange_sends_new_findings_and_queries_to_the_other_agents() -> None:
    up = _exchange([M.model_copy(update={"round": 0})], 0)
    assert up["round"] == 1
    assert up["pending"] == {
        "genetics": [
            "genes associated with Alzheimer disease",
            "genes associated with Hippocampal atrophy",  # a phenotype: HPO-annotated genes
        ]
    }
    (msg,) = up["messages"]  # type: ignore[misc]
    assert (msg.sender, msg.recipient, msg.findings) == (
        "neuroimaging",
        "genetics",
        ["i1"],
    )


def test_exchange_stops_when_a_round_adds_nothing_new() -> None:
    old = M.model_copy(update={"round": 0})
    again = M.model_copy(update={"id": "i2", "round": 1})  # cites the same passage
    up = _exchange([old, again], 1)
    assert up["pending"] == {} and up["stop_reason"] == "round 1 added nothing new"


def test_exchange_stops_when_no_query_is_new_or_at_the_limit() -> None:
    f = M.model_copy(update={"round": 0})
    first = _exchange([f], 0)
    assert first["pending"]
    up = _exchange([f], 3, max_rounds=3)
    assert up["pending"] == {} and "round limit" in str(up["stop_reason"])
    g = G.model_copy(update={"entities": []})  # nothing to look up
    up = _exchange([g], 0)
    assert up["pending"] == {} and up["stop_reason"] == "no new queries after round 0"


def test_report_style_lead_ins_are_trimmed() -> None:
    from brainweave.graphs.synthesis import tidy

    assert tidy("The findings suggest that APOE e4 carriers lose hippocampal volume.") == (
        "APOE e4 carriers lose hippocampal volume."
    )
    assert tidy("These results indicate  more atrophy.") == "More atrophy."
    assert tidy("APOE e4 raises risk.") == "APOE e4 raises risk."
    assert tidy("APOE e4 raises risk. The study also found more.") == "APOE e4 raises risk."
    assert tidy("Risk rises 2.5 fold in e4 carriers.") == "Risk rises 2.5 fold in e4 carriers."


def test_a_study_description_is_not_a_hypothesis() -> None:
    study = (
        '{"statement": "The study examines APOE e4 in Alzheimer\'s disease and hippocampal '
        'atrophy.", "finding_ids": ["F1", "F2"]}'
    )
    llm = LLM(GenericFakeChatModel(messages=iter([study] * 2)), timeout_s=5)
    (h,), _, problems = synthesise(llm, "APOE", [G, M], RETRIEVED)
    assert h.phrased_by == "template" and "describes a study" in problems[0]


def test_an_ungrounded_statement_is_retried_only_when_asked() -> None:
    invented = (
        '{"statement": "SNCA variants increase hippocampal atrophy in Alzheimer\'s disease.", '
        '"finding_ids": ["F1", "F2"]}'
    )
    for retry, calls in ((False, 1), (True, 2)):
        llm = LLM(GenericFakeChatModel(messages=iter([invented] * 4)), timeout_s=5, retries=1)
        (h,), _, _ = synthesise(llm, "q", [G, M], RETRIEVED, retry_ungrounded=retry)
        assert h.phrased_by == "template" and len(llm.calls) == calls
    unparsable = LLM(GenericFakeChatModel(messages=iter(["no json"] * 4)), timeout_s=5, retries=1)
    synthesise(unparsable, "q", [G, M], RETRIEVED)
    assert len(unparsable.calls) == 2, "an answer that does not parse is always retried once"
