"""Counterfactuals a neuroscientist would accept as the alternative result.

The statements in tests/data/hypothesis_statements.jsonl are the hypotheses a real
8-question sweep on the small indexes produced, plus the ones issue 13 tried from the
CLI. Every variant of each must change one result word outside the entity names, or
swap one whole entity name for another of the same kind, and read as English.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from brainweave import knowledge
from brainweave.scoring.counterfactuals import Variant, _outermost, make_variants

STATEMENTS = [
    json.loads(line)["statement"]
    for line in (Path(__file__).parent / "data" / "hypothesis_statements.jsonl")
    .read_text(encoding="utf-8")
    .splitlines()
    if line.strip()
]

# what the scorer was once shown as "the alternative result" (issue 13, real runs)
FORBIDDEN = [
    "amyotrophic medial sclerosis",
    "app e4",
    "apob e4",
    "apod e4",
    "apob4",
    "apod4",
    "protection of developing",
    "raises the protection",
    "unusual cns infection",
    "central nervous system cyst",
    "basal ganglia calcification, idiopathic",
    "increased enlarged",
    "decreased enlarged",
    "an decrease",
    "a increase",
    "brooke-spiegler",
]


@pytest.fixture(autouse=True)
def _real_vocabularies(data_dir: Path) -> Iterator[None]:
    """The knowledge layer over the real data, as a run uses it."""
    with knowledge.use(knowledge.load(data_dir)):
        yield


@pytest.fixture(scope="module")
def variants() -> dict[str, list[Variant]]:
    return {s: make_variants(s) for s in STATEMENTS}


def _changed(a: str, b: str) -> tuple[int, int]:
    """The span of ``a`` that differs from ``b`` (common prefix and suffix removed)."""
    i = 0
    while i < min(len(a), len(b)) and a[i] == b[i]:
        i += 1
    j = 0
    while j < min(len(a), len(b)) - i and a[-1 - j] == b[-1 - j]:
        j += 1
    return i, len(a) - j


def test_the_fixture_is_real_hypotheses_with_variants(variants: dict[str, list[Variant]]) -> None:
    assert len(STATEMENTS) >= 30
    # most real hypotheses can be altered; each variant says what it changed
    assert sum(bool(v) for v in variants.values()) >= 0.9 * len(STATEMENTS)
    for statement, vs in variants.items():
        assert len({v.text for v in vs}) == len(vs)
        for v in vs:
            assert v.text != statement
            assert v.kind == "edit" or v.kind.startswith("entity:")
            assert v.original and v.altered and v.original != v.altered
            assert v.altered.lower() in v.text.lower()


def test_no_variant_matches_a_forbidden_output(variants: dict[str, list[Variant]]) -> None:
    bad = [
        (s, v.text, f)
        for s, vs in variants.items()
        for v in vs
        for f in FORBIDDEN
        if f in v.text.lower() and f not in s.lower()
    ]
    assert bad == []


def test_no_variant_edits_inside_an_entity_name(variants: dict[str, list[Variant]]) -> None:
    kn = knowledge.default()
    for statement, vs in variants.items():
        mentions = _outermost(kn.find(statement))
        for v in vs:
            start, end = _changed(statement, v.text)
            if v.kind == "edit":
                # a result word flipped: every entity name stands as it was
                for m in mentions:
                    assert v.text.count(m.text) >= statement.count(m.text), (statement, v.text)
            else:
                # a whole name swapped: the change covers exactly one mention's span
                swapped = [m for m in mentions if m.text == v.original]
                assert swapped, (statement, v)
                assert any(m.start <= start and end <= m.end for m in swapped), (statement, v)
                assert all(
                    m.start >= end or m.end <= start or m.text == v.original for m in mentions
                ), (statement, v)
                # same kind, found again by the entity layer in the new sentence
                kind = v.kind.removeprefix("entity:")
                assert any(
                    f.kind in {kind, "phenotype", "disease"} and v.altered.lower() in f.text.lower()
                    for f in kn.find(v.text)
                ), (statement, v)
                assert not any(c in v.altered for c in ",/()"), v


def test_direction_flips_stay_out_of_names_and_keep_articles() -> None:
    texts = [
        v.text
        for v in make_variants(
            "Amyotrophic lateral sclerosis patients show an increase in cortical excitability."
        )
    ]
    assert (
        "Amyotrophic lateral sclerosis patients show a decrease in cortical excitability." in texts
    )
    assert not any("medial" in t for t in texts)


def test_alleles_and_symbols_inside_words_are_not_swapped() -> None:
    for s in (
        "The hippocampus is larger in APOE e4 homozygotes with Alzheimer's disease",
        "APOE4 carriers show increased hippocampal atrophy",
    ):
        vs = make_variants(s)
        assert not [v for v in vs if v.kind == "entity:gene"], vs
        assert any(v.original in {"larger", "increased"} for v in vs)


def test_a_disease_named_like_an_hpo_term_is_swapped_for_a_disease() -> None:
    # "Alzheimer disease" is an HPO phenotype too; its HPO siblings were CNS cysts
    vs = make_variants(
        "Alzheimer disease is associated with tau, which in turn is associated with "
        "neurodegeneration."
    )
    ad = [v for v in vs if v.original == "Alzheimer disease"]
    assert ad and all(v.kind == "entity:disease" for v in ad)
    kn = knowledge.default()
    for v in ad:
        assert any(kn.entities[i].kind == "disease" for i in kn.by_name.get(v.altered.lower(), []))


def test_interventions_swap_within_their_class() -> None:
    vs = make_variants(
        "Alzheimer disease is associated with formoterol B, which in turn is associated with OXTR."
    )
    drugs = [v.altered for v in vs if v.kind == "entity:intervention"]
    assert drugs and not any("stimulation" in d or "TMS" in d or "mindfulness" in d for d in drugs)
    imaging = make_variants("Alzheimer disease is associated with magnetic resonance imaging.")
    assert not [v for v in imaging if v.original == "magnetic resonance imaging"]
    exercise = make_variants("Exercise improved memory in older adults.")
    assert {v.altered for v in exercise if v.kind == "entity:intervention"} <= {
        "physical therapy",
        "cognitive training",
        "mindfulness",
        "cognitive behavioral therapy",
    }
