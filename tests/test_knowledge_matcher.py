"""The matcher on hand-written sentences: English-word symbols, abbreviations,
adjectival regions, overlapping names, negation."""

from __future__ import annotations

import pytest

from brainweave import knowledge


@pytest.fixture(scope="module")
def kn() -> knowledge.Knowledge:
    from tests.conftest import DATA_DIR

    return knowledge.load(DATA_DIR)


def found(kn: knowledge.Knowledge, text: str) -> list[tuple[str, str]]:
    return [(m.text, kn.entities[m.entity_id].name) for m in kn.find(text)]


def test_gene_symbols_that_are_english_words_need_gene_context(kn: knowledge.Knowledge) -> None:
    assert found(kn, "The cat sat on the mat and we set a max.") == []
    assert found(kn, "Patients had a CAT scan at REST; the SET was long.") == []
    hits = found(kn, "Mutations in the CAT gene lower catalase activity.")
    assert ("CAT", "CAT") in hits and ("catalase", "CAT") in hits
    assert ("REST", "REST") in found(kn, "REST expression represses neuronal genes.")
    assert [m.how for m in kn.find("TH expression was lost")] == ["symbol+context"]


def test_plain_symbols_match_case_sensitively(kn: knowledge.Knowledge) -> None:
    assert found(kn, "APOE and PSEN1 carriers; Trem2 knockout mice") == [
        ("APOE", "APOE"),
        ("PSEN1", "PSEN1"),
        ("Trem2", "TREM2"),
    ]
    assert found(kn, "the apoe of it") == []


def test_abbreviations_defined_in_the_text(kn: knowledge.Knowledge) -> None:
    ms = kn.find("Frontotemporal dementia (FTD) is common. Later, FTD patients declined.")
    assert [(m.text, m.how) for m in ms] == [
        ("Frontotemporal dementia", "name"),
        ("FTD", "abbreviation"),
        ("FTD", "abbreviation"),
    ]
    assert len({m.entity_id for m in ms}) == 1
    # CP is a gene symbol (ceruloplasmin), but here it was defined as cerebral palsy
    ms = kn.find("Children with cerebral palsy (CP) walk less. CP severity varied.")
    assert {kn.entities[m.entity_id].name for m in ms} == {"Cerebral palsy"}
    # an abbreviation defined as something that is not an entity is never a gene
    assert found(kn, "principal component (PC) analysis showed PC loadings") == []


def test_a_disease_abbreviation_alone_is_not_the_disease(kn: knowledge.Knowledge) -> None:
    """DCM in an imaging abstract is dynamic causal modelling, not dilated cardiomyopathy:
    an ontology's short form counts where the text defines it or names the entity."""
    assert found(kn, "Effective connectivity was estimated with DCM in 20 patients.") == []
    aea = found(kn, "Plasma AEA levels rose after THC.")  # anandamide
    assert all(name != "Anti-enterocyte antibody positivity" for _, name in aea), aea
    named = found(kn, "Dilated cardiomyopathy is inherited; DCM penetrance varies.")
    assert ("DCM", "Dilated cardiomyopathy") in named
    defined = found(kn, "Patients with dilated cardiomyopathy (DCM) were scanned. DCM was mild.")
    assert [t for t, name in defined if name == "Dilated cardiomyopathy"] == [
        "dilated cardiomyopathy",
        "DCM",
        "DCM",
    ]
    # an entity whose own name is the short form still matches on its own
    assert ("MELAS", "MELAS") in found(kn, "A girl with MELAS had stroke-like episodes.")


def test_a_faculty_s_decline_is_its_impairment(kn: knowledge.Knowledge) -> None:
    """HPO writes 'Memory impairment'; abstracts write 'memory decline' and 'impaired
    memory'. Each names the phenotype, not just the generic process 'memory'."""
    for text in ("Memory decline in APOE carriers", "APOE carriers had impaired memory"):
        assert "Memory impairment" in {name for _, name in found(kn, text)}, found(kn, text)


def test_adjectival_and_short_region_forms(kn: knowledge.Knowledge) -> None:
    names = [n for _, n in found(kn, "striatal dopamine and hippocampal volume; DLPFC and ACC")]
    assert names == [
        "striatum",
        "dopamine",
        "hippocampus",
        "dorsolateral prefrontal cortex",
        "anterior cingulate cortex",
    ]
    assert ("locus coeruleus", "locus coeruleus") in found(kn, "noradrenergic locus coeruleus")


def test_overlapping_names_longest_wins_and_words_do_not_bridge(
    kn: knowledge.Knowledge,
) -> None:
    brain = kn.find("brain atrophy")
    muscle = kn.find("muscle atrophy")
    assert [m.text for m in brain] == ["brain atrophy"] and [m.text for m in muscle] == [
        "muscle atrophy"
    ]
    assert brain[0].entity_id != muscle[0].entity_id
    # a region inside a phenotype is named too, so the phenotype links to imaging
    ids = {m.entity_id for m in kn.find("hippocampal sclerosis")}
    assert "region:hippocampus" in ids and len(ids) == 2


def test_diseases_the_old_lexicon_missed(kn: knowledge.Knowledge) -> None:
    names = [n for _, n in found(kn, "Tourette syndrome, restless legs and cerebral palsy")]
    assert names == ["Gilles de la tourette syndrome", "Restless legs", "Cerebral palsy"]
    assert found(kn, "Parkinson's disease")[0][0] == "Parkinson's disease"


def test_negated_mentions_are_flagged_not_dropped(kn: knowledge.Knowledge) -> None:
    ms = kn.find("There were no seizures, tremor or ataxia, but dystonia was seen.")
    assert [(m.text, m.negated) for m in ms] == [
        ("seizures", True),
        ("tremor", True),
        ("ataxia", True),
        ("dystonia", False),
    ]
    assert knowledge.find_entities("no seizures") == []
    assert knowledge.find_entities("no seizures", negated=True) == ["HP:0001250"]


def test_names_inside_organisation_names_are_not_mentions(kn: knowledge.Knowledge) -> None:
    text = (
        "The National Institute of Neurological Disorders and Stroke (NINDS) and the "
        "Alzheimer's Association fund research; stroke and Alzheimer's disease are studied."
    )
    assert [m.text for m in kn.find(text)] == ["stroke", "Alzheimer's disease"]


def test_numbered_names_british_spelling_and_a_gyrus_as_cortex(kn: knowledge.Knowledge) -> None:
    assert found(kn, "spinocerebellar ataxia 3 and glutaric acidemia type I") == [
        ("spinocerebellar ataxia 3", "Spinocerebellar ataxia type 3"),
        ("glutaric acidemia type I", "Glutaric acidemia I"),
    ]
    assert found(kn, "bacteraemia with anaemia") == [
        ("bacteraemia", "Bacteremia"),
        ("anaemia", "Anemia"),
    ]
    assert found(kn, "the parahippocampal cortex") == [
        ("parahippocampal cortex", "parahippocampal gyrus")
    ]
    # OMIM's inverted names and trait entries do not make diseases of organs and functions
    assert found(kn, "the corpus callosum") == [("corpus callosum", "corpus callosum")]
    assert found(kn, "cognitive functions improved") == []


def test_an_abbreviation_inside_a_name(kn: knowledge.Knowledge) -> None:
    ms = kn.find("Is von Hippel-Lindau (VHL) disease inherited? VHL disease and the VHL gene.")
    assert [(m.text, kn.entities[m.entity_id].name) for m in ms] == [
        ("von Hippel-Lindau (VHL) disease", "Von Hippel-Lindau disease"),
        ("VHL disease", "Von Hippel-Lindau disease"),
        ("VHL", "VHL"),
    ]


def test_measurements_are_not_interventions(kn: knowledge.Knowledge) -> None:
    assert found(kn, "assessed with magnetic resonance imaging") == []
    assert ("electroconvulsive therapy", "electroconvulsive therapy") in found(
        kn, "electroconvulsive therapy"
    )
